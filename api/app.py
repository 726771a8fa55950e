"""The FastAPI application: `create_app(settings)`; `credanchor serve` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from anchor import __version__
from anchor.chain.adapter import Chain
from anchor.chain.deployment import Deployment
from anchor.recursion import restore_recursion_limit

from . import problems
from .config import EMBEDDED, ApiSettings
from .routes import (
    bodies,
    exchanges,
    issuers,
    metrics,
    offers,
    oid4vci,
    page,
    presentation_requests,
    public,
    qr,
    vcapi,
    workshop,
)
from .security import BodySizeLimit, RateLimiter
from .services import Services
from .verify_endpoint import PATH as VERIFY_PATH
from .verify_endpoint import VerifyEndpoint

DESCRIPTION = """\
Blockchain-anchored micro-credentials: issue Open Badges 3.0 / W3C VC 2.0 micro-credentials, anchor them
on Ethereum in batches, keep their status on-chain, and verify them with nothing but the file and a chain.

**Authentication.** Issuer and accreditation-body routes need an API key (`credanchor apikey create`),
sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`. A key is scoped to one issuer or body.
Public routes (verification, DID documents, status lists, NFT metadata, health) need none.

**Errors** are RFC 9457 `application/problem+json` documents saying what is wrong and what to do.
"""


def create_app(settings: ApiSettings, *, chain: Chain | None = None, deployment: Deployment | None = None) -> FastAPI:
    """The app; pass `chain`/`deployment` to serve an existing chain (tests), else settings.rpc decides."""
    restore_recursion_limit()  # whatever library raised it on import: deep input must not crash a worker
    services = Services(settings, chain=chain, deployment=deployment)
    oid4vci.redact_access_log()  # offer links carry bearer secrets in their paths

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.rpc == EMBEDDED or (chain is not None and chain.is_embedded):
            # The in-process chain is not thread-safe: handle one request at a time.
            anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        yield

    app = FastAPI(
        title="credanchor",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.services = services
    app.state.verify_limiter = RateLimiter(settings.verify_rate)
    problems.install(app, on_chain_error=services.counters.chain_failed)
    for router in (
        issuers.router,
        offers.router,
        oid4vci.router,
        exchanges.router,
        presentation_requests.router,
        bodies.router,
        bodies.public,
        vcapi.router,
        page.router,
        metrics.router,
        public.router,
        qr.router,
        workshop.router,
    ):
        app.include_router(router)
    # Added first, so inside the body limit (which caps, depth-checks and parses the body first).
    app.add_middleware(VerifyEndpoint, services=services, limiter=app.state.verify_limiter)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes, keep_parsed=frozenset({VERIFY_PATH}))
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes,
            license_info=app.license_info, tags=[
                {"name": "issuers", "description": "An issuer's own credentials, batches and status changes."},
                {"name": "accreditation bodies", "description": "The on-chain registry of accredited issuers."},
                {"name": "W3C VC API", "description": "CCG VC API issuer and verifier endpoints."},
                {"name": "wallets", "description": "OpenID4VCI and VC API exchanges: wallets claim offers."},
                {"name": "public", "description": "No key needed."},
            ],
        )  # fmt: skip
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = problems.Problem.model_json_schema()
        for operations in schema.get("paths", {}).values():  # invalid input is a problem document too
            for operation in operations.values():
                if "422" in operation.get("responses", {}):
                    operation["responses"]["422"] = {"description": "Invalid request (each invalid input in `errors`)",
                                                     "content": problems.PROBLEM_CONTENT}  # fmt: skip
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema
