"""What verification needs to read from a chain, as an interface the chain side implements.

Verification (:mod:`anchor.credentials.verify`) is defined here, on the credentials side, and
must not depend on web3: :class:`anchor.chain.view.ChainReader` implements :class:`ChainView`
over a real chain, and a unit test can hand the Verifier an in-memory one. Failures to read are
:class:`~anchor.errors.ChainError` (unreachable) or :class:`~anchor.errors.ContractRevertError`
(a call reverted); the Verifier turns both into a failed check that says what it could not read.
"""

from __future__ import annotations

from typing import Protocol

from anchor.types import BatchRecord, Root, StatusPurpose


class ChainView(Protocol):
    """Read-only answers from one chain: its CredentialAnchor contracts and, if trusted, one IssuerRegistry."""

    @property
    def chain_id(self) -> int:
        """The EIP-155 id of the chain the answers come from."""
        ...

    @property
    def has_registry(self) -> bool:
        """Whether a trusted IssuerRegistry is configured (without one, accreditation cannot be checked)."""
        ...

    def is_credential_anchor(self, contract: str) -> bool:
        """Whether the code at `contract` is the committed CredentialAnchor's runtime code (not a look-alike)."""
        ...

    def batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        """The record of `root` as anchored by `issuer` in `contract` (all zeros if it never was)."""
        ...

    def status_words(
        self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int
    ) -> list[int]:
        """`count` 256-bit words of `issuer`'s status list `list_id` from word `first_word` (W3C bit order)."""
        ...

    def issuer_by_did(self, did: str) -> str | None:
        """The account the trusted registry binds `did` to, or None. Only when :attr:`has_registry`."""
        ...

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        """Whether the trusted registry held `issuer` accredited at Unix time `timestamp`. Only when
        :attr:`has_registry`."""
        ...
