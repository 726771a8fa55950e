"""On-chain status lists: where a credential's revocation and suspension bits live.

Each credential gets a **random** index in a list of 131,072 entries (the W3C Bitstring Status
List minimum, for herd privacy): a flipped bit tells a stranger nothing about whose credential,
or which batch, it was. Its index in the issuer's revocation list and its index in the suspension
list are drawn separately, so a stranger cannot link a credential's suspension, reinstatement and
revocation events by their index (the contract keeps the two lists apart; a different index costs
nothing on-chain). Credentials issued before that (issue 19) use one index for both lists; they keep
working, since every entry carries its own index. Its `credentialStatus` entries are W3C
`BitstringStatusListEntry`s that also carry the on-chain coordinates, so a verifier needs nothing
but a chain RPC:

    {"id": "<statusListCredential>#94567", "type": "BitstringStatusListEntry",
     "statusPurpose": "revocation", "statusListIndex": "94567",
     "statusListCredential": "<URL of the BitstringStatusListCredential, or the list's URN>",
     "chainId": 31337, "statusContract": "0x…CredentialAnchor", "statusIssuer": "0x…issuer account",
     "statusListId": 1}

Stock verifiers (vc.js with @digitalbazaar/vc-bitstring-status-list, the DCC verifier-core) read none of the
on-chain coordinates: they fetch `statusListCredential`. So when the issuer has a public base URL (its
profile's `public_url`, where `credanchor serve` answers), that is an HTTP(S) URL under it —
:func:`status_list_base` — which the server answers with a signed BitstringStatusListCredential built from
the on-chain bits (anchor.credentials.statuslist). Without one it is the list's `urn:eip155:…` URN, which
only credanchor's verifier understands (:func:`no_public_url_warning` says so).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from anchor.credentials.model import status_value
from anchor.crypto import jcs
from anchor.errors import ConfigurationError
from anchor.randomness import POOL
from anchor.types import StatusPurpose, as_list, check_address

LIST_SIZE = 131_072
#: Credentials an allocator puts in one list (of LIST_SIZE entries) before it opens another: half, so that
#: random probing stays cheap and indices unpredictable. Public: a stranger who sees k of an issuer's lists
#: knows it allocated at least (k - 1) * this many (docs/security.md, "Adversarial review (issue 19)").
CREDENTIALS_PER_LIST = LIST_SIZE // 2
PURPOSES = {"revocation": StatusPurpose.REVOCATION, "suspension": StatusPurpose.SUSPENSION}
#: Where `credanchor serve` answers status lists, below a public base URL (api/routes/public.py serves it).
STATUS_PATH = "/v1/status"


def status_purposes(value: str | Iterable[str], what: str = "--status-purposes") -> tuple[str, ...]:
    """The status purposes an issuer's credentials carry entries for, from "revocation" or
    "revocation,suspension" (or a list of them), in a fixed order. Revocation is always one of them.

    Both (the default) let stock status checkers see a suspension too, in two `credentialStatus` entries;
    revocation alone gives the one entry Open Badges 3.0 allows (`credentialStatus` is 0..1 there, and
    1EdTech's JSON Schema refuses an array), and credentials that cannot be suspended."""
    names = [name.strip() for name in (value.split(",") if isinstance(value, str) else value)]
    if "revocation" not in names or any(name not in PURPOSES for name in names):
        raise ConfigurationError(f"{what} must be 'revocation' or 'revocation,suspension', got {','.join(names)!r}")
    return tuple(purpose for purpose in PURPOSES if purpose in names)


def public_base_url(url: str, what: str = "public URL") -> str:
    """`url` checked as a public base URL — http(s), a host, no query or fragment — without a trailing slash."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{what} {url!r} must be an http(s) URL without query or fragment, such as https://credentials.example"
        )
    return url.rstrip("/")


def status_list_base(public_url: str, chain_id: int, contract: str, account: str) -> str:
    """The URL under which the server at `public_url` publishes `account`'s lists on the contract `contract`
    (each at `/<list id>/<purpose>` below it): the `status_base_url` of :meth:`StatusLocation.entries`."""
    return f"{public_base_url(public_url)}{STATUS_PATH}/{chain_id}/{contract}/{account}"


def no_public_url_warning(issuer: str, *, server_url: str | None = None) -> str:
    """What to tell whoever issues status entries for `issuer` (a slug) that has no public base URL: its lists
    are URNs (the CLI), or under the URL of the server issuing (`server_url`, the API)."""
    where = (
        f"its statusListCredential URLs use this server's public URL, {server_url}; if verifiers cannot reach "
        "that, they"
        if server_url
        else "its credentials' statusListCredential is a urn:eip155 URN that stock verifiers (vc.js, the Learner "
        "Credential Wallet, VerifierPlus) cannot fetch, so they"
    )
    return (
        f"issuer {issuer!r} has no public URL: {where} will not see a revocation or suspension; credanchor's own "
        f"verifier reads the chain and is unaffected. Set one with `credanchor issuer update --issuer {issuer} "
        "--public-url https://HOST` (where `credanchor serve` answers)"
    )


@dataclass(frozen=True)
class StatusLocation:
    """Where one credential's status bits are: chain, contract, issuer account, list, and its index in the
    revocation list (`index`) and in the suspension list (`suspension_index`; None: the same index)."""

    chain_id: int
    contract: str
    issuer: str
    list_id: int
    index: int
    suspension_index: int | None = None

    def index_for(self, purpose: str) -> int:
        """The index in the list of `purpose` ("revocation" or "suspension")."""
        return self.suspension_index if purpose == "suspension" and self.suspension_index is not None else self.index

    def list_urn(self) -> str:
        return f"urn:eip155:{self.chain_id}:{self.contract}:status:{self.issuer}:{self.list_id}"

    def entries(
        self, status_base_url: str | None = None, purposes: Iterable[str] = tuple(PURPOSES)
    ) -> list[dict[str, Any]]:
        """The credential's `credentialStatus` entries: one for each of `purposes` (checked by `status_purposes`;
        default both), in a fixed order."""
        entries = []
        for purpose in (purpose for purpose in PURPOSES if purpose in purposes):
            list_credential = (
                f"{status_base_url.rstrip('/')}/{self.list_id}/{purpose}"
                if status_base_url
                else f"{self.list_urn()}:{purpose}"
            )
            entries.append({
                "id": f"{list_credential}#{self.index_for(purpose)}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(self.index_for(purpose)),
                "statusListCredential": list_credential,
                "chainId": self.chain_id,
                "statusContract": self.contract,
                "statusIssuer": self.issuer,
                "statusListId": self.list_id,
            })  # fmt: skip
        return entries

    def entries_json(self, status_base_url: str | None = None, purposes: Iterable[str] = tuple(PURPOSES)) -> bytes:
        """The JCS bytes (RFC 8785) of the credential's `credentialStatus` value, `model.status_value` of
        `entries(status_base_url, purposes)`, without building the entries: the value is the same for every
        location of one list but for the indices, so it is canonicalized once per list (`_entries_format`)
        and the indices written into it. tests/unit/credentials/test_status_allocation.py compares the two."""
        key = purposes if type(purposes) is tuple else tuple(purposes)
        template = _entries_format(self.chain_id, self.contract, self.issuer, self.list_id, status_base_url, key)
        if template is None:
            return jcs.canonicalize(status_value(self.entries(status_base_url, key)))
        suspension = self.index if self.suspension_index is None else self.suspension_index
        return template % {b"revocation": self.index, b"suspension": suspension}


#: Indices no list has (lists hold at most 2**24 entries, `read_entry`), to find where indices go in a format.
_PROBE_INDICES = {"revocation": 987_654_321_987, "suspension": 987_654_321_989}


@lru_cache(maxsize=64)
def _entries_format(
    chain_id: int, contract: str, issuer: str, list_id: int, status_base_url: str | None, purposes: tuple[str, ...]
) -> bytes | None:
    """The canonical `credentialStatus` value of a location in this list as a `bytes % {purpose: index}`
    format: each entry's index, in its id and in its statusListIndex, becomes `%(purpose)d`. None if a
    probe index shows up anywhere else (the caller then canonicalizes the entries)."""
    probe = StatusLocation(chain_id, contract, issuer, list_id, *_PROBE_INDICES.values())
    text = jcs.canonicalize(status_value(probe.entries(status_base_url, purposes)))
    text = text.replace(b"%", b"%%")
    for purpose, index in _PROBE_INDICES.items():
        digits = str(index).encode()
        present = purpose in purposes
        if text.count(digits) != 2 * present or text.count(b'"' + digits + b'"') != present:
            return None
        text = text.replace(digits, b"%%(%b)d" % purpose.encode())
    return text


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
    """Random, never reused indices in lists of LIST_SIZE entries — one in the revocation list and another,
    drawn apart, in the suspension list — within one allocator's life.

    It remembers nothing across processes: two allocators for the same account and contract may
    hand out the same index. Give each run its own list (`first_list`); issuers keep their allocations
    in the store (anchor.storage.store.StoreStatusAllocator), which also picks list ids at random.
    """

    def __init__(self, chain_id: int, contract: str, issuer: str, *, first_list: int = 1, list_size: int = LIST_SIZE):
        if list_size < LIST_SIZE:
            raise ConfigurationError(f"status lists need at least {LIST_SIZE:,} entries for herd privacy")
        self.chain_id, self.contract, self.issuer, self.list_size = chain_id, contract, issuer, list_size
        self._list_id = first_list
        self._used: tuple[set[int], set[int]] = (set(), set())  # revocation, suspension

    def allocate(self) -> StatusLocation:
        if len(self._used[0]) >= self.list_size // 2:  # half full, as CREDENTIALS_PER_LIST
            self._list_id += 1
            self._used = (set(), set())
        revocation, suspension = (self._draw(used) for used in self._used)
        return StatusLocation(self.chain_id, self.contract, self.issuer, self._list_id, revocation, suspension)

    def _draw(self, used: set[int]) -> int:
        while True:
            index = POOL.below(self.list_size)
            if index not in used:
                used.add(index)
                return index


def fresh_list_id(taken: set[int]) -> int:
    """A list id not in `taken`, drawn at random: among 1..255 while one is free (one non-zero calldata byte,
    the same gas as list 1), then 1..65,535, then 1..16,777,215 — so an id says nothing of how many lists
    the issuer opened before it, as 1, 2, 3… would."""
    for width in (1, 2, 3):
        top = 256**width - 1
        if sum(1 for list_id in taken if 1 <= list_id <= top) < top:
            while True:
                candidate = 1 + secrets.randbelow(top)
                if candidate not in taken:
                    return candidate
    raise ConfigurationError("every status list id up to 2**24 - 1 is in use")


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
