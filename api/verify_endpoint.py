"""`POST /v1/verify` answered in front of the router: the busiest public route, without the per-request
work FastAPI adds to every route.

Profiling `credanchor bench api` showed a verification request spending more time in the framework than in
the verification itself: matching the path against every route, solving the dependencies, validating the
body's every member into `VerifyRequest` from a second JSON parse, and a JSON response serialized by the
standard library. Here, one pure ASGI layer inside :class:`~api.security.BodySizeLimit` (which has already
capped the body, refused deep nesting and parsed it once) answers the route for well-formed bodies:

- the rate limit is counted first, as the route's dependency does (429 problems alike);
- the parsed body is validated as the route's `VerifyRequest`; a body that is not valid, or that the depth
  check did not parse (not JSON, or JSON only ``json.loads`` reads), goes on to the FastAPI route, which
  answers it exactly as before (422 problems) and does not count it against the rate limit a second time;
- :func:`~api.routes.public.verification_report` (the route's own function) runs on the event loop when
  it can answer from the verifier's cached chain reads, the steady state (a thread hand-off cost 25 to 45 % more
  CPU time per request); when it would read the chain or build a verifier (after `verify_cache_seconds`),
  or another thread holds the services' lock, it runs in the thread pool as the route would, so the loop
  never waits for the chain or for a lock (api/chain_guard.py);
- errors become the problem documents the app's exception handlers give (:func:`api.problems.exception_response`);
- the report is serialized once, by orjson.

The route stays in the app: it is the OpenAPI description and the answer to every body left to it.
"""

from __future__ import annotations

import json
from typing import Any, Final

import orjson
from anyio import to_thread
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .chain_guard import ChainReadOnLoop, on_the_loop
from .models import VerifyRequest
from .problems import exception_response
from .routes.public import verification_report
from .security import JSON_BODY, RATE_COUNTED, RateLimiter, check_rate, route_path
from .services import Services

PATH: Final = "/v1/verify"
_JSON_HEADERS: Final = ((b"content-type", b"application/json"),)


class VerifyEndpoint:
    """Pure ASGI middleware answering `POST /v1/verify` itself; every other request goes on to `app`."""

    def __init__(self, app: ASGIApp, services: Services, limiter: RateLimiter) -> None:
        self.app, self.services, self.limiter = app, services, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        body = _verify_request(scope.get(JSON_BODY))
        try:
            check_rate(self.limiter, scope["client"][0] if scope.get("client") else "unknown")
            report = None if body is None else await self._report(body)
        except Exception as exc:  # the problem document the exception handlers would give
            response = exception_response(Request(scope), exc, on_chain_error=self.services.counters.chain_failed)
            await response(scope, receive, send)
            return
        if report is None:  # FastAPI's validation answers it, as it always did (counted once by the limiter)
            scope[RATE_COUNTED] = True
            await self.app(scope, receive, send)
            return
        content = _serialized(report)
        headers = [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _report(self, body: VerifyRequest) -> dict[str, Any]:
        """The report: on the event loop if it needs no chain read nor wait, else in the thread pool."""
        report = _verified_on_the_loop(self.services, body)
        if report is None:
            report = await to_thread.run_sync(verification_report, self.services, body)
        return report


def _verified_on_the_loop(services: Services, body: VerifyRequest) -> dict[str, Any] | None:
    """The report, when the verification needs neither the chain nor to wait for another thread; else None
    (then the caller runs it in a thread). See api/chain_guard.py."""
    if not services.lock.acquire(blocking=False):  # a thread holds it (a key unlock, a connection): don't wait
        return None
    try:
        with on_the_loop():
            return verification_report(services, body)
    except ChainReadOnLoop:
        return None
    finally:
        services.lock.release()


def _verify_request(parsed: Any) -> VerifyRequest | None:
    """The body as the route's model, or None when the route must answer it (not parsed, or not valid)."""
    if not isinstance(parsed, dict):
        return None
    try:
        return VerifyRequest.model_validate(parsed)
    except ValidationError:
        return None


def _serialized(report: dict[str, Any]) -> bytes:
    """The report as JSONResponse writes it (compact, UTF-8), by orjson; json for what orjson does not
    write (an integer past 64 bits)."""
    try:
        return orjson.dumps(report)
    except orjson.JSONEncodeError:
        return json.dumps(report, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
