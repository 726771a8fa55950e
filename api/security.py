"""API keys (issuers and accreditation bodies), request size and nesting limits, and rate limiting.

Keys are presented as `Authorization: Bearer <key>` or `X-API-Key: <key>`; the store keeps only
their SHA-256 hashes. An issuer key is scoped to one issuer, a body key to one body account:
every route derives the issuer or body from the key, never from the request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anchor.jsonsafe import MAX_DEPTH, UNPARSED, JsonDepthError, checked_value
from anchor.storage.store import ApiKey

from .problems import ApiProblem, problem_response
from .services import Services, ServicesDep

bearer = HTTPBearer(auto_error=False, description="An API key made with `credanchor apikey create`.")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same API key, as a header.")


@dataclass(frozen=True)
class Principal:
    key: ApiKey

    @property
    def subject(self) -> str:
        return self.key.subject


def _authenticate(
    services: Services,
    credentials: HTTPAuthorizationCredentials | None,
    header: str | None,
    role: str,
) -> Principal:
    presented = header or (credentials.credentials if credentials is not None else None)
    if not presented:
        raise ApiProblem(
            401, "unauthenticated", "this route needs an API key (Authorization: Bearer <key> or X-API-Key)",
            headers={"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
    key = services.store.authenticate(presented)
    if key is None:
        raise ApiProblem(
            401, "unauthenticated", "the API key is unknown or revoked: ask for a new one (credanchor apikey create)",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )  # fmt: skip
    if key.role != role:
        raise ApiProblem(403, "forbidden", f"this route is for {role} keys; the key given is a {key.role} key")
    return Principal(key)


def issuer_principal(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    return _authenticate(services, credentials, header, "issuer")


def body_principal(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    return _authenticate(services, credentials, header, "body")


IssuerKey = Annotated[Principal, Depends(issuer_principal)]
BodyKey = Annotated[Principal, Depends(body_principal)]


class RateLimiter:
    """Token buckets per client address: `rate` requests/s, bursts of twice that; 0 disables."""

    def __init__(self, rate: float, *, max_clients: int = 10_000) -> None:
        self.rate, self.burst, self.max_clients = rate, max(1.0, 2 * rate), max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_time(self, client: str) -> float:
        """0 when a request from `client` may go ahead now, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return 0.0 if allowed else (1 - tokens) / self.rate


#: Scope keys this module sets for the app inside it: the JSON body as parsed by the depth check (only when
#: it is what json.loads would give), and that the request was counted by the verification rate limit.
JSON_BODY = "credanchor.json_body"
RATE_COUNTED = "credanchor.rate_counted"


def rate_limited(request: Request) -> None:
    """Dependency of the public verification routes (a request counts once: see api/verify_endpoint.py)."""
    if request.scope.get(RATE_COUNTED):
        return
    client = request.client.host if request.client else "unknown"
    check_rate(request.app.state.verify_limiter, client)


def check_rate(limiter: RateLimiter, client: str) -> None:
    """Count a verification request from `client`: ApiProblem 429 when it is over the limit."""
    wait = limiter.wait_time(client)
    if wait > 0:
        retry = max(1, round(wait + 0.5))
        raise ApiProblem(
            429, "rate-limited", f"too many verification requests from {client}: retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )  # fmt: skip


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with 413, whether or not Content-Length is given, and JSON
    bodies nested deeper than `max_depth` with 400 — before any route parses them (anchor.jsonsafe: a body
    of nested brackets would otherwise recurse through the JSON parser and every walk of its result). The
    check parses the body; for the paths in `keep_parsed` the parse is left in ``scope[JSON_BODY]`` when it
    is what json.loads gives (elsewhere it is dropped at once: a 2 MB body parses to many times that)."""

    def __init__(
        self, app: ASGIApp, limit: int, max_depth: int = MAX_DEPTH, keep_parsed: frozenset[str] = frozenset()
    ) -> None:
        self.app, self.limit, self.max_depth, self.keep_parsed = app, limit, max_depth, keep_parsed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and not declared.isdigit():
            response = problem_response(None, 400, "bad-request", "Content-Length must be a number of bytes")
            await response(scope, receive, send)
            return
        if declared is not None and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks, received = [], 0
        while True:  # read the whole body first (at most `limit` bytes), then hand it on
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.limit:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        content = b"".join(chunks)
        if _parsed_as_json(headers.get(b"content-type")):
            try:
                parsed = checked_value(content, max_depth=self.max_depth, what="the request body")
            except JsonDepthError as problem:
                response = problem_response(None, 400, "too-deeply-nested", str(problem))
                await response(scope, receive, send)
                return
            if parsed is not UNPARSED and route_path(scope) in self.keep_parsed:
                scope[JSON_BODY] = parsed
        body = {"type": "http.request", "body": content, "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            None, 413, "too-large", f"the request body is over {self.limit:,} bytes: send fewer credentials at once"
        )
        await response(scope, receive, send)


def route_path(scope: Scope) -> str:
    """The path the router matches: below the app's root path (as starlette's get_route_path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path != root and path[len(root)] == "/":
        return path[len(root) :]
    return path


def _parsed_as_json(content_type: bytes | None) -> bool:
    """Whether a body of this Content-Type may be parsed as JSON: FastAPI parses one without a type, and
    application/json or application/*+json; any type naming JSON is checked too, to be safe."""
    return content_type is None or b"json" in content_type.lower()


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
