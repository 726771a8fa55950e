"""What the observer reports (anchor.comparison.observer): per mode, the figures a stranger can
establish from public chain data, each with a one-sentence explanation for a workshop report.

Plain frozen records with a `to_dict()` each; the JSON they make is `credanchor compare --json`'s
`observer` object and the workshop page's "what the chain shows".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One number a stranger can establish, and a plain sentence saying what it means."""

    value: int
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "explanation": self.explanation}


@dataclass(frozen=True)
class ExposedField:
    """A field readable on-chain: how many credentials expose it, and a few of its values.

    `kind` is a guess from the field's name — personal, credential, result, date, issuer or other —
    to help a reader; the field name and examples are what the chain really holds.
    """

    field: str
    kind: str
    count: int
    examples: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "kind": self.kind, "count": self.count, "examples": list(self.examples)}


@dataclass(frozen=True)
class HeldCredential:
    """One NFT credential in a holder's profile, as a stranger reads it."""

    token_id: int
    title: str | None
    grade: str | None
    date: str | None
    issuer: str | None
    burnt: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "title": self.title,
            "grade": self.grade,
            "date": self.date,
            "issuer": self.issuer,
            "burnt": self.burnt,
        }


@dataclass(frozen=True)
class HolderProfile:
    """Everything tied to one holder address: the names seen in its tokens and its credentials."""

    holder: str
    names: tuple[str, ...]
    credentials: tuple[HeldCredential, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "names": list(self.names),
            "credentials": [credential.to_dict() for credential in self.credentials],
        }


@dataclass(frozen=True)
class PublicIssuer:
    """An issuer as the IssuerRegistry's events show it — public by design, not a learner's data."""

    address: str
    dids: tuple[str, ...]
    names: tuple[str, ...]
    body: str
    scopes: tuple[str, ...]
    accreditations: int
    deaccredited: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "dids": list(self.dids),
            "names": list(self.names),
            "body": self.body,
            "scopes": list(self.scopes),
            "accreditations": self.accreditations,
            "deaccredited": self.deaccredited,
        }


@dataclass(frozen=True)
class RegistryReport:
    """What the IssuerRegistry shows: the accredited issuers, and what writing it took."""

    address: str
    deployed: bool
    issuers: tuple[PublicIssuer, ...]
    transactions: int
    events: int
    bytes_on_chain: int

    def issuer(self, address: str) -> PublicIssuer | None:
        return next((i for i in self.issuers if i.address == address), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "deployed": self.deployed,
            "issuers": [issuer.to_dict() for issuer in self.issuers],
            "transactions": self.transactions,
            "events": self.events,
            "bytes_on_chain": self.bytes_on_chain,
        }


@dataclass(frozen=True)
class ModeReport:
    """What a stranger learns about the credentials of one mode."""

    mode: str
    #: Contract role → address.
    contracts: dict[str, str]
    #: Whether every address has contract code (an address without code is observed as empty).
    deployed: bool
    credentials_seen: Figure
    holders_identified: Figure
    #: `value`: how many distinct learner or credential fields are readable; they are in `fields`.
    fields_exposed: Figure
    fields: tuple[ExposedField, ...]
    #: The issuers' own public data (registry records, issuing addresses) — by design, not a leak.
    issuer_fields: tuple[ExposedField, ...]
    linkable_credentials: Figure
    revocations: Figure
    revocations_attributable: Figure
    bytes_on_chain: Figure
    calldata_bytes: Figure
    transactions: Figure
    events: Figure
    #: NFT mode: per holder address, what its tokens say (capped; `details["holders_seen"]` counts all).
    profiles: tuple[HolderProfile, ...] = ()
    #: Mode-specific findings (JSON-able): roots, status bits, burnt tokens' metadata, hashes…
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    FIGURES = (
        "credentials_seen",
        "holders_identified",
        "fields_exposed",
        "linkable_credentials",
        "revocations",
        "revocations_attributable",
        "bytes_on_chain",
        "calldata_bytes",
        "transactions",
        "events",
    )

    def to_dict(self) -> dict[str, Any]:
        figures: dict[str, Any] = {name: getattr(self, name).to_dict() for name in self.FIGURES}
        return {
            "mode": self.mode,
            "contracts": self.contracts,
            "deployed": self.deployed,
            **figures,
            "fields": [f.to_dict() for f in self.fields],
            "issuer_fields": [f.to_dict() for f in self.issuer_fields],
            "profiles": [p.to_dict() for p in self.profiles],
            "details": self.details,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ObserverReport:
    """What a stranger learns from the chain, per mode ("vc", "nft", "hash": those whose address was given)."""

    chain_id: int
    from_block: int
    to_block: int
    modes: dict[str, ModeReport]
    registry: RegistryReport | None

    def mode(self, name: str) -> ModeReport:
        try:
            return self.modes[name]
        except KeyError:
            raise KeyError(
                f"mode {name!r} was not observed (no address given); observed: {sorted(self.modes)}"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "from_block": self.from_block,
            "to_block": self.to_block,
            "modes": {name: report.to_dict() for name, report in self.modes.items()},
            "registry": self.registry.to_dict() if self.registry else None,
        }
