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
