"""Chain reads stay off the event loop, even when a verification runs on it.

`POST /v1/verify` (api/verify_endpoint.py) verifies on the event loop: in the steady state the Verifier
answers from its cached chain reads (kept `verify_cache_seconds`) and does no I/O, and handing each
request to a thread cost 25 to 45 % more server CPU time per request (`credanchor bench api`, one worker).
A verification that would read the chain, or build a verifier (which may connect to it), must not
block the loop, where every other connection waits: inside :func:`on_the_loop`, :class:`OffLoopChainView`
and :func:`off_the_loop` raise :class:`ChainReadOnLoop` instead, and the endpoint runs the verification
again in a thread, where the reads go ahead. Nothing of the first attempt remains: the Verifier catches
only the chain's own errors (so this one reaches the endpoint), and it caches an answer only once read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from anchor.credentials.chain_view import ChainView
from anchor.types import BatchRecord, Root, StatusPurpose

T = TypeVar("T")

_ON_THE_LOOP: ContextVar[bool] = ContextVar("credanchor_on_the_loop", default=False)


class ChainReadOnLoop(Exception):  # a signal to the endpoint, never an error a client sees
    """A verification running on the event loop needs the chain: run it in a thread instead."""


@contextmanager
def on_the_loop() -> Iterator[None]:
    """Within it, reading the chain raises :class:`ChainReadOnLoop`."""
    token = _ON_THE_LOOP.set(True)
    try:
        yield
    finally:
        _ON_THE_LOOP.reset(token)


def off_the_loop(action: Callable[[], T]) -> T:
    """`action()`, which may read the chain: refused (:class:`ChainReadOnLoop`) on the event loop."""
    if _ON_THE_LOOP.get():
        raise ChainReadOnLoop(getattr(action, "__qualname__", "a chain read"))
    return action()


class OffLoopChainView:
    """A :class:`~anchor.credentials.chain_view.ChainView` whose reads are refused on the event loop."""

    def __init__(self, view: ChainView) -> None:
        self.view = view
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:  # read once (a quorum of endpoints reads it on first use): it never changes
            self._chain_id = off_the_loop(lambda: self.view.chain_id)
        return self._chain_id

    @property
    def has_registry(self) -> bool:
        return self.view.has_registry  # configuration, not a read

    def is_credential_anchor(self, contract: str) -> bool:
        return off_the_loop(lambda: self.view.is_credential_anchor(contract))

    def batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        return off_the_loop(lambda: self.view.batch(contract, issuer, root))

    def status_words(
        self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int
    ) -> list[int]:
        return off_the_loop(lambda: self.view.status_words(contract, issuer, list_id, purpose, first_word, count))

    def issuer_by_did(self, did: str) -> str | None:
        return off_the_loop(lambda: self.view.issuer_by_did(did))

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        return off_the_loop(lambda: self.view.is_accredited(issuer, timestamp))
