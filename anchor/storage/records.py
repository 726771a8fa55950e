"""What the store hands out: plain frozen records, free of SQLAlchemy, for the worker, the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ApiKey:
    """An API key's public record (its secret is shown once, at creation, and stored only hashed)."""

    id: str
    role: str
    subject: str
    label: str
    created_at: datetime
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "subject": self.subject, "label": self.label,
                "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}  # fmt: skip


@dataclass(frozen=True)
class StoredCredential:
    """A stored credential: its state (queued | batched | anchored), batch and document (with its anchor
    proof once anchored)."""

    id: str
    state: str
    issuer_did: str
    issuer_account: str
    batch_id: int | None
    queued_at: datetime
    document: dict[str, Any]


@dataclass(frozen=True)
class BatchState:
    """A batch as recorded (closed | anchored), with where and when it was anchored."""

    id: int
    issuer_account: str
    root: str
    size: int
    state: str
    chain_id: int | None
    contract: str | None
    tx_hash: str | None
    block_number: int | None
    closed_at: datetime
    anchored_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "issuer_account": self.issuer_account, "root": self.root, "size": self.size,
            "state": self.state, "chain_id": self.chain_id, "contract": self.contract, "tx_hash": self.tx_hash,
            "block_number": self.block_number, "closed_at": self.closed_at.isoformat(),
            "anchored_at": self.anchored_at.isoformat() if self.anchored_at else None,
        }  # fmt: skip


@dataclass(frozen=True)
class Batch:
    """A batch the anchoring worker works on: its root and the ids of its credentials, in leaf order."""

    id: int
    issuer_account: str
    root: str
    state: str
    credential_ids: tuple[str, ...]


@dataclass(frozen=True)
class Offer:
    """A claim offer as stored: what it issues (`request`, the API's credential request), by which issuer, and
    where it stands. Its secrets are not here: the store keeps only their hashes."""

    id: str
    issuer: str
    request: dict[str, Any]
    cryptosuite: str
    has_tx_code: bool
    tx_code_failures: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    code_used_at: datetime | None
    claimed_at: datetime | None
    holder: str | None
    protocol: str | None
    credential_id: str | None
    #: The wallet's last OpenID4VCI notification (credential_accepted | credential_failure | credential_deleted).
    wallet_event: str | None = None
    wallet_event_at: datetime | None = None

    def state(self, moment: datetime) -> str:
        """claimed | revoked | expired | open (claimed wins: a claimed offer's credential stays the holder's)."""
        if self.claimed_at is not None:
            return "claimed"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if moment >= self.expires_at else "open"

    def to_dict(self, moment: datetime) -> dict[str, Any]:
        learner, achievement = (self.request.get(k) for k in ("learner", "achievement"))
        learner = learner if isinstance(learner, dict) else {}
        achievement = achievement if isinstance(achievement, dict) else {}
        moments = {name: getattr(self, name) for name in ("created_at", "expires_at", "revoked_at", "claimed_at")}
        return {
            "id": self.id, "issuer": self.issuer, "state": self.state(moment),
            "learner": str(learner.get("name") or ""), "achievement": str(achievement.get("title") or ""),
            "cryptosuite": self.cryptosuite, "tx_code_required": self.has_tx_code,
            **{name: value.isoformat() if value else None for name, value in moments.items()},
            "protocol": self.protocol, "holder": self.holder, "credential_id": self.credential_id,
            "wallet_event": self.wallet_event,
            "wallet_event_at": self.wallet_event_at.isoformat() if self.wallet_event_at else None,
        }  # fmt: skip


@dataclass(frozen=True)
class WalletSecret:
    """A short-lived secret handed to a wallet (an access token, a c_nonce, a challenge), by its hash."""

    hash: str
    kind: str
    owner: str | None  # the offer's or the presentation request's id
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class PresentationRequest:
    """A verifier's request for a presentation, as stored: what it asks (`query`) and, once a wallet answered,
    the holder, the verdict and the full report. The verifier's key and the exchange id are stored hashed."""

    id: str
    key_hash: str
    query: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    verified: bool | None
    holder: str | None
    report: dict[str, Any] | None

    def state(self, moment: datetime) -> str:
        """answered | expired | waiting."""
        if self.answered_at is not None:
            return "answered"
        return "expired" if moment >= self.expires_at else "waiting"

    def to_dict(self, moment: datetime) -> dict[str, Any]:
        return {
            "id": self.id, "state": self.state(moment), "query": self.query,
            "created_at": self.created_at.isoformat(), "expires_at": self.expires_at.isoformat(),
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "verified": self.verified, "holder": self.holder, "report": self.report,
        }  # fmt: skip
