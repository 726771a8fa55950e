"""Chain reads for the credentials side: the Verifier's :class:`~anchor.credentials.chain_view.ChainView`
over a real chain, and a status list's bits for its BitstringStatusListCredential.

These are plain reads through the typed clients; the Verifier caches their answers for its own
life, so nothing is cached here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from anchor.chain.adapter import Chain
from anchor.chain.artifacts import load_artifact
from anchor.chain.contracts import CredentialAnchorClient, IssuerRegistryClient
from anchor.credentials.status import LIST_SIZE
from anchor.credentials.statuslist import status_list_credential
from anchor.crypto.keys import SigningKey
from anchor.errors import ConfigurationError
from anchor.types import BatchRecord, Root, StatusPurpose


class ChainReader:
    """What a Verifier reads from `chain`, trusting the IssuerRegistry at `registry` (if given).

    Implements :class:`anchor.credentials.chain_view.ChainView`. A malformed `registry` address is
    refused here, before anything is verified.
    """

    def __init__(self, chain: Chain, registry: str | None = None) -> None:
        self.chain = chain
        self.registry = IssuerRegistryClient(chain, registry) if registry else None

    @property
    def chain_id(self) -> int:
        return self.chain.chain_id

    @property
    def has_registry(self) -> bool:
        return self.registry is not None

    def is_credential_anchor(self, contract: str) -> bool:
        return self.chain.code_at(contract) == load_artifact("CredentialAnchor").deployed_bytecode

    def batch(self, contract: str, issuer: str, root: Root) -> BatchRecord:
        return CredentialAnchorClient(self.chain, contract).batch(issuer, root)

    def status_words(
        self, contract: str, issuer: str, list_id: int, purpose: StatusPurpose, first_word: int, count: int
    ) -> list[int]:
        return CredentialAnchorClient(self.chain, contract).status_words(issuer, list_id, purpose, first_word, count)

    def issuer_by_did(self, did: str) -> str | None:
        return self._registry().issuer_by_did(did)

    def is_accredited(self, issuer: str, timestamp: int) -> bool:
        return self._registry().is_accredited(issuer, timestamp)

    def _registry(self) -> IssuerRegistryClient:
        if self.registry is None:
            raise ConfigurationError("no trusted IssuerRegistry for this chain: pass its address (--registry)")
        return self.registry


def read_list(chain: Chain, contract: str, issuer_account: str, list_id: int, purpose: StatusPurpose) -> bytes:
    """The list's bitstring (LIST_SIZE bits) as the chain holds it now: the words concatenated big-endian."""
    words = CredentialAnchorClient(chain, contract).status_words(issuer_account, list_id, purpose, 0, LIST_SIZE // 256)
    return b"".join(word.to_bytes(32, "big") for word in words)


def signed_status_list(
    chain: Chain,
    contract: str,
    issuer_account: str,
    list_id: int,
    purpose: StatusPurpose,
    *,
    url: str,
    key: SigningKey,
    cryptosuite: str,
    ttl: timedelta,
) -> dict[str, Any]:
    """The list's BitstringStatusListCredential at `url`, signed by `key`, from the bits on-chain now: its
    `validFrom` is taken before the read, so it never claims bits newer than those read."""
    moment = datetime.now(UTC)
    bits = read_list(chain, contract, issuer_account, list_id, purpose)
    return status_list_credential(bits, url=url, purpose=purpose, key=key, cryptosuite=cryptosuite, ttl=ttl, now=moment)
