"""`POST /v1/verify` in front of the router (api/verify_endpoint.py) and the guard that keeps chain reads
off the event loop (api/chain_guard.py): the same answers as the route, rate limits counted once, and a
verification on the loop only when it reads nothing from the chain and waits for no other thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anchor.types import BatchRecord, Root, StatusPurpose
from api.chain_guard import ChainReadOnLoop, OffLoopChainView, on_the_loop
from api.models import VerifyRequest
from api.routes.public import verification_report
from api.security import JSON_BODY, BodySizeLimit
from api.verify_endpoint import _verified_on_the_loop

from .conftest import Api, World, api_client, assert_problem
from .test_public_routes import anchored_credential


@pytest.fixture
def cached_api(world: World, tmp_path: Path) -> Iterator[Api]:
    """An app whose verifier keeps its chain answers (the conftest's apps read the chain every time)."""
    with api_client(world, tmp_path / "cached.sqlite", verify_cache_seconds=600) as made:
        yield made


def test_the_loop_verifies_only_from_cached_chain_answers_and_agrees_with_the_thread(cached_api: Api) -> None:
    services = cached_api.client.app.state.services  # type: ignore[attr-defined]
    credential = anchored_credential(cached_api)
    body = VerifyRequest.model_validate(credential)
    assert _verified_on_the_loop(services, body) is None  # a new verifier: built (and the chain read) in a thread
    in_thread = verification_report(services, body)
    on_loop = _verified_on_the_loop(services, body)  # now every chain answer is cached
    assert on_loop is not None and on_loop == in_thread and on_loop["verified"] is True
    services.status_changed()  # cached answers dropped: the next verification reads the chain again
    assert _verified_on_the_loop(services, body) is None
    answers = [cached_api.client.post("/v1/verify", json=credential) for _ in range(3)]  # thread, loop, loop
    assert [a.status_code for a in answers] == [200] * 3
    assert all(a.json() == in_thread for a in answers)


def test_the_loop_never_waits_for_a_lock_another_thread_holds(cached_api: Api) -> None:
    services = cached_api.client.app.state.services  # type: ignore[attr-defined]
    body = VerifyRequest.model_validate(anchored_credential(cached_api))
    verification_report(services, body)  # warm: the loop could answer
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with services.lock:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        assert _verified_on_the_loop(services, body) is None
    finally:
        release.set()
        holder.join(30)
    assert _verified_on_the_loop(services, body) is not None


def test_bodies_left_to_the_route_count_once_against_the_rate_limit(world: World, tmp_path: Path) -> None:
    # verify_rate=1 allows a burst of 2: counted twice, the second invalid body would already get a 429.
    with api_client(world, tmp_path / "limited.sqlite", verify_rate=1) as limited:
        invalid = [limited.client.post("/v1/verify", json={"verifiableCredential": "a string"}) for _ in range(2)]
        assert [r.status_code for r in invalid] == [422, 422]
        assert_problem(invalid[1], 422, "invalid-request")
        problem = assert_problem(limited.client.post("/v1/verify", json={}), 429, "rate-limited")
        assert problem["instance"] == "/v1/verify"


def test_problems_from_the_endpoint_are_the_route_s(api: Api) -> None:
    problem = assert_problem(api.client.post("/v1/verify", json={"verifiableCredential": [{}]}), 400, "one-credential")
    assert problem["instance"] == "/v1/verify" and "send a presentation" in problem["detail"]
    assert_problem(api.client.post("/v1/verify", json=[1, 2]), 422, "invalid-request")  # not an object: the route
    assert_problem(api.client.post("/v1/verify", content=b"{not json", headers={"Content-Type": "application/json"}),
                   422, "invalid-request")  # fmt: skip
    # Only json.loads reads NaN: the route parses such a body as it always did (a report, not a parse error).
    response = api.client.post("/v1/verify", content=b'{"type": ["VerifiableCredential"], "x": NaN}',
                               headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 200 and response.json()["verified"] is False


class CountingView:
    """A ChainView answering from constants; `reads` counts the calls that reached it."""

    has_registry = True

    def __init__(self) -> None:
        self.reads = 0

    @property
    def chain_id(self) -> int:
        self.reads += 1
        return 31337

    def _read(self, answer: Any) -> Any:
        self.reads += 1
        return answer

    def is_credential_anchor(self, contract: str) -> bool:
        return bool(self._read(True))

    def batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        return BatchRecord(1, 2, 3) if self._read(True) else BatchRecord(0, 0, 0)

    def status_words(
        self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int
    ) -> list[int]:
        return list(self._read([0] * count))

    def issuer_by_did(self, did: str) -> str | None:
        return str(self._read("0x" + "11" * 20))

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        return bool(self._read(True))


def test_the_guarded_view_refuses_every_read_on_the_loop_and_passes_them_on_elsewhere() -> None:
    inner = CountingView()
    view = OffLoopChainView(inner)
    root = Root(bytes(32))
    reads = [
        lambda: view.chain_id,
        lambda: view.is_credential_anchor("0x" + "22" * 20),
        lambda: view.batch("0x" + "22" * 20, "0x" + "33" * 20, root),
        lambda: view.status_words("0x" + "22" * 20, "0x" + "33" * 20, 1, StatusPurpose.REVOCATION, 0, 4),
        lambda: view.issuer_by_did("did:key:z6Mk"),
        lambda: view.is_accredited("0x" + "33" * 20, 1_700_000_000),
    ]
    with on_the_loop():
        for read in reads:
            with pytest.raises(ChainReadOnLoop):
                read()
        assert view.has_registry  # configuration, not a read
    assert inner.reads == 0
    answers = [read() for read in reads]
    assert answers == [31337, True, BatchRecord(1, 2, 3), [0, 0, 0, 0], "0x" + "11" * 20, True]
    assert inner.reads == len(reads)
    with on_the_loop():
        assert view.chain_id == 31337  # read once, then known: the chain id never changes
    assert inner.reads == len(reads)


@pytest.mark.parametrize(
    ("path", "body", "kept"),
    [
        ("/v1/verify", b'{"a": [1, {"b": 2.5}]}', {"a": [1, {"b": 2.5}]}),
        ("/v1/credentials", b'{"a": 1}', None),  # other routes parse bodies themselves: not kept
        ("/v1/verify", b'{"a": NaN}', None),  # only json.loads reads it
        ("/v1/verify", b'{"a": 123456789012345678901234567890}', None),  # orjson would make a float of it
    ],
)
def test_the_body_middleware_hands_on_its_parse_only_where_kept_and_exact(path: str, body: bytes, kept: Any) -> None:
    seen: dict[str, Any] = {}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Any) -> None:
        raise AssertionError(f"the middleware answered: {message}")

    middleware = BodySizeLimit(inner, limit=1024, keep_parsed=frozenset({"/v1/verify"}))
    scope = {"type": "http", "method": "POST", "path": path, "headers": [(b"content-type", b"application/json")]}
    asyncio.run(middleware(scope, receive, send))
    assert seen.get(JSON_BODY) == kept


@pytest.mark.parametrize("content", [b"\xef5+\x18", b'{"verifiableCredential": "\xff"}', b"\x00\xd8\x00"])
def test_a_body_that_is_not_json_text_is_a_documented_422_problem(api: Api, content: bytes) -> None:
    """Bytes json.loads cannot decode got FastAPI's undocumented 400 (schemathesis found one): now 422."""
    response = api.client.post("/v1/verify", content=content, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 422, "invalid-request")
    assert "not JSON text" in problem["detail"] and problem["errors"] == [
        {"pointer": "", "detail": problem["errors"][0]["detail"]}
    ]
