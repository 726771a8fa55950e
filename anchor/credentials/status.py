"""On-chain status lists: where a credential's revocation and suspension bits live.

Each credential gets one **random** index in a list of 131,072 entries (the W3C Bitstring
Status List minimum, for herd privacy): a flipped bit tells a stranger nothing about whose
credential, or which batch, it was. The same index is used in the issuer's revocation list and
its suspension list. Its `credentialStatus` entries are W3C `BitstringStatusListEntry`s that
also carry the on-chain coordinates, so a verifier needs nothing but a chain RPC:

    {"id": "<statusListCredential>#94567", "type": "BitstringStatusListEntry",
     "statusPurpose": "revocation", "statusListIndex": "94567",
     "statusListCredential": "<URL of the BitstringStatusListCredential, or the list's URN>",
     "chainId": 31337, "statusContract": "0x…CredentialAnchor", "statusIssuer": "0x…issuer account",
     "statusListId": 1}
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from anchor.errors import ConfigurationError
from anchor.types import StatusPurpose, as_list, check_address

LIST_SIZE = 131_072
PURPOSES = {"revocation": StatusPurpose.REVOCATION, "suspension": StatusPurpose.SUSPENSION}


@dataclass(frozen=True)
class StatusLocation:
    """Where one credential's status bits are: chain, contract, issuer account, list, index."""

    chain_id: int
    contract: str
    issuer: str
    list_id: int
    index: int

    def list_urn(self) -> str:
        return f"urn:eip155:{self.chain_id}:{self.contract}:status:{self.issuer}:{self.list_id}"

    def entries(self, status_base_url: str | None = None) -> list[dict[str, Any]]:
        """The credential's `credentialStatus` entries (revocation and suspension)."""
        entries = []
        for purpose in PURPOSES:
            list_credential = (
                f"{status_base_url.rstrip('/')}/{self.list_id}/{purpose}"
                if status_base_url
                else f"{self.list_urn()}:{purpose}"
            )
            entries.append({
                "id": f"{list_credential}#{self.index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(self.index),
                "statusListCredential": list_credential,
                "chainId": self.chain_id,
                "statusContract": self.contract,
                "statusIssuer": self.issuer,
                "statusListId": self.list_id,
            })  # fmt: skip
        return entries


def read_entry(entry: Any) -> tuple[StatusPurpose, StatusLocation]:
    """The purpose and on-chain location of a credanchor status entry; ConfigurationError if malformed."""
    try:
        purpose = PURPOSES[entry["statusPurpose"]]
        location = StatusLocation(
            chain_id=int(entry["chainId"]),
            contract=str(entry["statusContract"]),
            issuer=str(entry["statusIssuer"]),
            list_id=int(entry["statusListId"]),
            index=int(entry["statusListIndex"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"not an on-chain BitstringStatusListEntry ({exc.__class__.__name__}: {exc})"
        ) from None
    check_address(location.contract, "statusContract")
    check_address(location.issuer, "statusIssuer")
    if not 0 <= location.index < 2**24:
        raise ConfigurationError(f"statusListIndex {location.index} is outside the list")
    if not 0 <= location.list_id < 2**32:
        raise ConfigurationError(f"statusListId {location.list_id} is outside 0..2**32-1")
    return purpose, location


class StatusAllocator(Protocol):
    """Hands out a fresh status-list location per credential."""

    def allocate(self) -> StatusLocation: ...


class RandomStatusAllocator:
    """Random, never reused indices in lists of LIST_SIZE entries — within one allocator's life.

    It remembers nothing across processes: two allocators for the same account and contract may
    hand out the same index. Give each run its own list (`first_list`) until a persistent store
    keeps the allocations.
    """

    def __init__(self, chain_id: int, contract: str, issuer: str, *, first_list: int = 1, list_size: int = LIST_SIZE):
        if list_size < LIST_SIZE:
            raise ConfigurationError(f"status lists need at least {LIST_SIZE:,} entries for herd privacy")
        self.chain_id, self.contract, self.issuer, self.list_size = chain_id, contract, issuer, list_size
        self._list_id = first_list
        self._used: set[int] = set()

    def allocate(self) -> StatusLocation:
        # Fill a list to half at most: random probing stays cheap and indices stay unpredictable.
        if len(self._used) >= self.list_size // 2:
            self._list_id += 1
            self._used = set()
        while True:
            index = secrets.randbelow(self.list_size)
            if index not in self._used:
                self._used.add(index)
                return StatusLocation(self.chain_id, self.contract, self.issuer, self._list_id, index)


ACTIONS = {"revoke": "revocation", "suspend": "suspension", "reinstate": "suspension"}


def locations_for(credentials: list[dict[str, Any]], action: str) -> dict[tuple[int, str, str, int], list[int]]:
    """The list indices to change per (chain, contract, issuer account, list) for `action`.

    Every credential must carry an on-chain status entry for the action's purpose; otherwise
    ConfigurationError names it (nothing is sent for a partly valid request).
    """
    purpose = ACTIONS[action]
    groups: dict[tuple[int, str, str, int], list[int]] = {}
    for credential in credentials:
        entries = as_list(credential.get("credentialStatus"))
        matching = [
            e for e in entries if isinstance(e, dict) and e.get("statusPurpose") == purpose and "statusContract" in e
        ]
        if not matching:
            raise ConfigurationError(
                f"credential {credential.get('id')} has no {purpose} status entry: cannot {action} it"
            )
        _, location = read_entry(matching[0])
        key = (location.chain_id, location.contract, location.issuer, location.list_id)
        groups.setdefault(key, []).append(location.index)
    return groups
