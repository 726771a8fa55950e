"""OpenID for Verifiable Credential Issuance 1.0 (public: wallets call these; anchor.wallets.oid4vci is the logic).

Metadata at `/.well-known/openid-credential-issuer` and `/.well-known/oauth-authorization-server`; the offer
by reference, the token, nonce, credential and notification endpoints under `/oid4vci/`. Errors are OAuth 2
error objects (`{"error", "error_description"}`), as wallets expect, never cached.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from anchor import jsonsafe
from anchor.wallets import oid4vci
from anchor.wallets.offers import WalletError

from ..problems import PROBLEM_CONTENT, responses
from ..security import rate_limited
from ..services import ServicesDep

router = APIRouter(tags=["wallets"], responses=responses(500))
NO_STORE = {"Cache-Control": "no-store"}
FORM = "application/x-www-form-urlencoded"


#: Paths that carry a bearer secret (the offer by reference, the exchange ids of offers and verifier requests).
SECRET_PATHS = re.compile(r"(/oid4vci/offers/|/workflows/(?:claim|present)/exchanges/)[A-Za-z0-9_-]+")


class SecretPathFilter(logging.Filter):
    """Keeps offer secrets out of the access log: uvicorn logs each request's path, and these paths hold one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_PATHS.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_access_log() -> None:
    """Install SecretPathFilter on uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, SecretPathFilter) for f in access.filters):
        access.addFilter(SecretPathFilter())


class OAuthError(BaseModel):
    """An OAuth 2 error response (RFC 6749 §5.2), with the OpenID4VCI error codes."""

    error: str
    error_description: str


def oauth_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": "An OAuth 2 error", "model": OAuthError} for status in statuses}


TOKEN_FORM = {"requestBody": {"required": True, "content": {FORM: {"schema": {
    "type": "object", "required": ["grant_type"],
    "properties": {"grant_type": {"type": "string"}, "pre-authorized_code": {"type": "string"},
                   "tx_code": {"type": "string"}, "refresh_token": {"type": "string"}}}}}}}  # fmt: skip
NOTIFICATION_REQUEST = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["notification_id", "event"],
    "properties": {"notification_id": {"type": "string"},
                   "event": {"type": "string", "enum": list(oid4vci.NOTIFICATION_EVENTS)},
                   "event_description": {"type": "string"}}}}}}}  # fmt: skip
CREDENTIAL_REQUEST = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"credential_configuration_id": {"type": "string"},
                                     "proofs": {"type": "object"}}}}}}}  # fmt: skip


#: What an error_description may hold (RFC 6749 §5.2, OpenID4VCI 1.0 §8.3.1.2): printable ASCII but `"` and `\`.
_NOT_IN_DESCRIPTION = re.compile(r"[^\x20-\x21\x23-\x5B\x5D-\x7E]")


def oauth_error(exc: WalletError) -> JSONResponse:
    """The OAuth 2 error object; a description quoting what the wallet sent has its other characters as `?`."""
    description = _NOT_IN_DESCRIPTION.sub("?", exc.detail)
    return JSONResponse({"error": exc.code, "error_description": description}, status_code=exc.status,
                        headers={**NO_STORE, **exc.headers})  # fmt: skip


@router.get("/.well-known/openid-credential-issuer", summary="OpenID4VCI credential issuer metadata")
def credential_issuer_metadata(services: ServicesDep) -> dict[str, Any]:
    return oid4vci.issuer_metadata(services.settings.public_url)


@router.get("/.well-known/oauth-authorization-server", summary="OAuth 2 authorization server metadata (RFC 8414)")
def authorization_server_metadata(services: ServicesDep) -> dict[str, Any]:
    return oid4vci.authorization_server_metadata(services.settings.public_url)


@router.get("/oid4vci/offers/{reference}", summary="A credential offer by reference (credential_offer_uri)",
            responses={**oauth_responses(400, 404, 409, 410), **responses(422)})  # fmt: skip
def offer_by_reference(
    services: ServicesDep, reference: str = Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
) -> JSONResponse:
    try:
        offer = oid4vci.offer_by_reference(services.store, services.settings.public_url, reference)
    except WalletError as exc:
        return oauth_error(exc)
    return JSONResponse(offer, headers=NO_STORE)


@router.post("/oid4vci/token", summary="Token endpoint: pre-authorized code and refresh token grants (a form)",
             responses={**oauth_responses(400), **responses(413)}, openapi_extra=TOKEN_FORM)  # fmt: skip
async def token(request: Request, services: ServicesDep) -> JSONResponse:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != FORM:
        return oauth_error(WalletError(400, "invalid_request", f"send the token request as {FORM}"))
    try:
        form = dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError):
        return oauth_error(WalletError(400, "invalid_request", "the token request is not a readable form"))
    try:
        answer = await run_in_threadpool(oid4vci.token, services.store, form)
    except WalletError as exc:
        return oauth_error(exc)
    return JSONResponse(answer, headers=NO_STORE)


@router.post("/oid4vci/nonce", summary="Nonce endpoint: a fresh single-use c_nonce",
             dependencies=[Depends(rate_limited)], responses=responses(429))  # fmt: skip
def nonce(services: ServicesDep) -> JSONResponse:
    return JSONResponse(oid4vci.nonce(services.store), headers=NO_STORE)


@router.post("/oid4vci/credential", summary="Credential endpoint: proof of possession → the credential (ldp_vc)",
             responses={**oauth_responses(401, 409, 410), **responses(413), 400: {
                 "description": "An OAuth 2 error, or a body nested too deeply (a problem)", "model": OAuthError,
                 "content": PROBLEM_CONTENT}},
             openapi_extra=CREDENTIAL_REQUEST)  # fmt: skip
async def credential(request: Request, services: ServicesDep) -> JSONResponse:
    try:
        body = await _json_body(request, "the credential request", "invalid_credential_request")
        answer = await run_in_threadpool(
            oid4vci.credential, services.store, services, services.settings.public_url,
            request.headers.get("authorization"), body,
        )  # fmt: skip
    except WalletError as exc:
        return oauth_error(exc)
    return JSONResponse(answer, headers=NO_STORE)


@router.post("/oid4vci/notification", summary="Notification endpoint: the wallet accepted, failed or deleted the "
             "credential", status_code=204, response_class=Response, dependencies=[Depends(rate_limited)],
             responses={**oauth_responses(400, 401), **responses(413, 429)},
             openapi_extra=NOTIFICATION_REQUEST)  # fmt: skip
async def notification(request: Request, services: ServicesDep) -> Response:
    try:
        body = await _json_body(request, "the notification request", "invalid_notification_request")
        await run_in_threadpool(oid4vci.notification, services.store, request.headers.get("authorization"), body)
    except WalletError as exc:
        return oauth_error(exc)
    return Response(status_code=204, headers=NO_STORE)


async def _json_body(request: Request, what: str, error: str) -> Any:
    """The request's JSON body (depth and size checked), or a 400 WalletError with the endpoint's `error` code."""
    try:
        return jsonsafe.loads(await request.body(), what=what)
    except ValueError as exc:
        raise WalletError(400, error, str(exc)) from None
