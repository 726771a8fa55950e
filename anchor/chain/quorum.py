"""Several RPC endpoints for one chain: reads that fail over, and verdicts that need k of n to agree.

A verifier that trusts one endpoint believes whatever it says: a provider that is down stops
verification, one that lies (or lags, or was compromised) decides it. :class:`QuorumChainView` is a
:class:`~anchor.credentials.chain_view.ChainView` over several :class:`~anchor.chain.view.ChainReader`\\ s:

* every answer the verifier relies on — the chain id, whether a contract is the genuine CredentialAnchor,
  a batch record, the registry's binding and accreditation history, status words — is asked of the
  endpoints in order until `quorum` of them gave the same answer;
* an endpoint that is unreachable or fails a call (ChainError, a revert) is skipped: with quorum 1 this is
  plain fail-over;
* when no answer reaches the quorum — endpoints disagree, or too few answered — the read raises
  :class:`~anchor.errors.QuorumError`, a ChainError, which the Verifier reports as a FAILED check (never a
  pass), naming each endpoint (redacted: scheme and host only) and what it answered.

An endpoint outvoted by the quorum is logged (warning), so an operator learns that one of its providers
disagrees with the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from anchor.chain.adapter import Chain
from anchor.chain.view import ChainReader
from anchor.errors import ChainError, ConfigurationError, ContractRevertError, QuorumError
from anchor.redact import redact_url
from anchor.types import BatchRecord, Root, StatusPurpose

log = logging.getLogger(__name__)
T = TypeVar("T")


def _key(value: object) -> object:
    """What makes two answers the same (addresses compare without their checksum case)."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return tuple(value)
    return value


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


class QuorumChainView:
    """A ChainView answering only what `quorum` of `readers` agree on (see the module's docstring)."""

    def __init__(self, readers: Sequence[ChainReader], quorum: int = 1) -> None:
        if not readers:
            raise ConfigurationError("no RPC endpoint to read the chain from: give --rpc URL")
        if not 1 <= quorum <= len(readers):
            raise ConfigurationError(f"--rpc-quorum {quorum} needs 1 to {len(readers)} endpoints (the --rpc given)")
        if len({reader.has_registry for reader in readers}) != 1:
            raise ConfigurationError("every endpoint must trust the same IssuerRegistry (or none)")
        self.readers = list(readers)
        self.quorum = quorum
        self._chain_id: int | None = None

    @classmethod
    def connect(cls, urls: Sequence[str], registry: str | None, quorum: int = 1) -> QuorumChainView:
        """Over the endpoints at `urls` (not contacted until asked: one may be down)."""
        return cls([ChainReader(Chain.connect(url, probe=False), registry) for url in urls], quorum)

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self._agreed("the chain id", lambda reader: reader.chain_id)
        return self._chain_id

    @property
    def has_registry(self) -> bool:
        return self.readers[0].has_registry

    def is_credential_anchor(self, contract: str) -> bool:
        return self._agreed(f"the code at {contract}", lambda reader: reader.is_credential_anchor(contract))

    def batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        what = f"the batch record of root {root.hex()}"
        return self._agreed(what, lambda reader: reader.batch(contract, issuer, root))

    def status_words(
        self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int
    ) -> list[int]:
        what = f"{purpose.name.lower()} list {list_id} (words {first_word}..{first_word + count - 1})"
        return self._agreed(what, lambda r: r.status_words(contract, issuer, list_id, purpose, first_word, count))

    def issuer_by_did(self, did: str) -> str | None:
        return self._agreed(f"the registry's account for {did}", lambda reader: reader.issuer_by_did(did))

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        what = f"the accreditation of {issuer} at {timestamp}"
        return self._agreed(what, lambda reader: reader.is_accredited(issuer, timestamp))

    def _agreed(self, what: str, read: Callable[[ChainReader], T]) -> T:
        """The answer `quorum` endpoints agree on, asking them in order; QuorumError when none reaches it."""
        answers: list[tuple[str, T]] = []
        failures: list[str] = []
        votes: dict[object, int] = {}
        for reader in self.readers:
            where = reader.chain.description
            try:
                value = read(reader)
            except (ChainError, ContractRevertError) as exc:
                failures.append(f"{where} failed ({exc})")
                continue
            answers.append((where, value))
            key = _key(value)
            votes[key] = votes.get(key, 0) + 1
            if votes[key] >= self.quorum:
                outvoted = [w for w, v in answers if _key(v) != key]
                if outvoted:
                    log.warning("RPC endpoint(s) %s disagreed on %s with %d others", ", ".join(outvoted), what,
                                self.quorum)  # fmt: skip
                if failures:
                    log.warning("reading %s: %s", what, "; ".join(failures))
                return value
        told = [f"{where} answered {_shown(value)}" for where, value in answers]
        best = max(votes.values(), default=0)
        summary = (f"only {best} of {len(self.readers)} RPC endpoints agree on {what} ({self.quorum} required)"
                   if answers else f"no RPC endpoint answered for {what}")  # fmt: skip
        raise QuorumError(f"{summary}: " + "; ".join(told + failures) + "; check the endpoints, or try again later")


def connect_first(urls: Sequence[str], *, timeout: float = 30.0) -> Chain:
    """The first of `urls` that answers (for writes and for the deployment check): fail-over at connect time.

    ChainError naming every endpoint tried (redacted) when none answers."""
    if not urls:
        raise ConfigurationError("no RPC endpoint: give --rpc URL")
    failures = []
    for url in urls:
        try:
            chain = Chain.connect(url, timeout=timeout)
        except ChainError as exc:
            failures.append(str(exc))
            continue
        if failures:
            log.warning("connected to %s after %d endpoint(s) failed: %s", chain.description, len(failures),
                        "; ".join(failures))  # fmt: skip
        return chain
    shown = ", ".join(redact_url(url) for url in urls)
    raise ChainError(f"none of the RPC endpoints answered ({shown}): " + "; ".join(failures))
