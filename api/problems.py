"""RFC 9457 problem details for every error: `application/problem+json`, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from anchor.anchoring.status_changes import ForeignStatusListError
from anchor.credentials.issuance import AlreadyIssuedError
from anchor.credentials.model import CredentialValidationError
from anchor.crypto.did import DidResolutionError
from anchor.crypto.keys import KeyFileError
from anchor.errors import (
    ChainError,
    ContractRevertError,
    CredAnchorError,
    DevchainError,
    InsufficientFundsError,
)
from anchor.storage.store import StoreError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://w3id.org/credanchor/problems#"
log = logging.getLogger("credanchor.api")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URI naming the kind of problem.", examples=[TYPE_BASE + "invalid-credential"])
    title: str = Field(description="Short summary of the kind of problem.", examples=["Bad Request"])
    status: int = Field(description="The HTTP status code.", examples=[400])
    detail: str = Field(description="What is wrong in this request, and what to do.", examples=["..."])
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[dict[str, Any]] | None = Field(default=None, description="Each invalid input: where and why.")


class ApiProblem(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, kind: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status, self.kind, self.detail, self.headers, self.extra = status, kind, detail, headers, extra


def problem_response(
    request: Request | None, status: int, kind: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


#: Library errors as HTTP problems, most specific first (the first match wins).
_STATUS_OF: tuple[tuple[type[CredAnchorError], int, str], ...] = (
    (CredentialValidationError, 422, "invalid-credential"),
    (ContractRevertError, 409, "contract-refused"),
    (AlreadyIssuedError, 409, "already-issued"),
    (ForeignStatusListError, 403, "forbidden"),
    (InsufficientFundsError, 409, "insufficient-funds"),
    (ChainError, 503, "chain-unavailable"),
    (DevchainError, 503, "chain-unavailable"),
    (StoreError, 503, "database-unavailable"),
    (KeyFileError, 503, "key-unavailable"),
    (DidResolutionError, 400, "did-unresolvable"),
)


def _status_of(exc: CredAnchorError) -> tuple[int, str]:
    return next(
        ((status, kind) for kind_of, status, kind in _STATUS_OF if isinstance(exc, kind_of)), (400, "bad-request")
    )


def exception_response(request: Request, exc: Exception, *, on_chain_error: Callable[[], None]) -> JSONResponse:
    """The problem document for an exception a route raised: what the handlers :func:`install` puts in place
    answer, and what `POST /v1/verify` (api/verify_endpoint.py, outside the router) answers too."""
    if isinstance(exc, ApiProblem):
        return problem_response(request, exc.status, exc.kind, exc.detail, exc.headers, **exc.extra)
    if isinstance(exc, CredAnchorError):
        status, kind = _status_of(exc)
        if kind == "chain-unavailable":
            on_chain_error()
        extra: dict[str, Any] = {}
        if isinstance(exc, CredentialValidationError):
            extra["errors"] = [{"pointer": "/" + e.path.replace(".", "/"), "detail": e.message} for e in exc.errors]
        return problem_response(request, status, kind, str(exc), **extra)
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request, 500, "internal-error", "the server failed on this request; it is logged, nothing was changed"
    )


def install(app: FastAPI, *, on_chain_error: Callable[[], None]) -> None:
    """The exception handlers; `on_chain_error` is called for each request answered 503 because the chain failed."""

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return exception_response(request, exc, on_chain_error=on_chain_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # A body FastAPI could not decode as JSON text (not UTF-8, -16 or -32): invalid input, as a syntax
            # error is (422, documented), not the bare 400 FastAPI gives it.
            detail = "the body is not JSON text: its bytes are not UTF-8, UTF-16 or UTF-32"
            message, errors = f"the request is not valid: {detail}", [{"pointer": "", "detail": detail}]
            return problem_response(request, 422, "invalid-request", message, errors=errors)
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path}: the API is described at /docs and /openapi.json"
        return problem_response(request, exc.status_code, kind, detail, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_problem(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"pointer": "/" + "/".join(str(part) for part in error.get("loc", ())[1:]), "detail": error.get("msg", "")}
            for error in exc.errors()
        ]
        summary = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:5])
        return problem_response(request, 422, "invalid-request", f"the request is not valid: {summary}", errors=errors)

    @app.exception_handler(CredAnchorError)
    async def credanchor_problem(request: Request, exc: CredAnchorError) -> JSONResponse:
        return exception_response(request, exc, on_chain_error=on_chain_error)

    @app.exception_handler(Exception)
    async def unexpected_problem(request: Request, exc: Exception) -> JSONResponse:
        return exception_response(request, exc, on_chain_error=on_chain_error)


PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem responses a route can give."""
    return {
        status: {"description": HTTPStatus(status).phrase, "model": Problem, "content": PROBLEM_CONTENT}
        for status in statuses
    }
