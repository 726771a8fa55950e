"""The store's tables as SQLAlchemy rows — what the Alembic migrations (storage/migrations) create.

Only the store's modules use these; everyone else gets the plain records of anchor.storage.records.
A change here needs a migration beside it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CredentialRow(Base):
    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    issuer_did: Mapped[str] = mapped_column(String(300), index=True)
    issuer_account: Mapped[str] = mapped_column(String(42), index=True)
    credential_hash: Mapped[str] = mapped_column(String(66), unique=True)
    document: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), index=True)  # queued | batched | anchored
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatchRow(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("issuer_account", "root"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issuer_account: Mapped[str] = mapped_column(String(42), index=True)
    root: Mapped[str] = mapped_column(String(66))
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)  # closed | anchored
    chain_id: Mapped[int | None] = mapped_column(Integer)
    contract: Mapped[str | None] = mapped_column(String(42))
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    raw_tx: Mapped[str | None] = mapped_column(Text)
    block_number: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    anchored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StatusIndexRow(Base):
    """One index handed out in one of an issuer's status lists: its revocation list or its suspension list
    (`purpose`, a StatusPurpose value), each drawn on its own (migration 0004)."""

    __tablename__ = "status_indices"
    __table_args__ = (UniqueConstraint("chain_id", "contract", "issuer_account", "list_id", "purpose", "list_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    contract: Mapped[str] = mapped_column(String(42))
    issuer_account: Mapped[str] = mapped_column(String(42))
    list_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[int] = mapped_column(Integer)
    list_index: Mapped[int] = mapped_column(Integer)
    allocated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # issuer | body
    subject: Mapped[str] = mapped_column(String(200), index=True)  # issuer name | body address
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OfferRow(Base):
    """A claim offer (migration 0005): what to issue to the learner who claims it, and only the hashes of its
    bearer secrets — the pre-authorized code, the offer reference, the exchange id and the transaction code."""

    __tablename__ = "offers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(200), index=True)  # the issuer's name on disk
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the credential request (private, like a stored credential)
    cryptosuite: Mapped[str] = mapped_column(String(40))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    reference_hash: Mapped[str] = mapped_column(String(64), unique=True)
    exchange_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    holder: Mapped[str | None] = mapped_column(String(2000))
    protocol: Mapped[str | None] = mapped_column(String(16))  # oid4vci | vcapi
    credential_id: Mapped[str | None] = mapped_column(String(200))
    wallet_event: Mapped[str | None] = mapped_column(String(32))  # the wallet's last notification (migration 0007)
    wallet_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WalletSecretRow(Base):
    """A short-lived secret handed to a wallet, kept as its hash (migrations 0005, 0006): an OpenID4VCI access token
    (`token`, owned by an offer), a c_nonce (`nonce`), or a VC API exchange's challenge (`challenge`, owned by
    an offer or a presentation request). Nonces and challenges are used once (`used_at`)."""

    __tablename__ = "wallet_secrets"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True)  # an offer's or a request's id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PresentationRequestRow(Base):
    """A verifier's request for a presentation from a wallet (migration 0006): what it asks for (`query`), the
    hashes of its exchange id and of the verifier's key, and — once a wallet answered — the full report."""

    __tablename__ = "presentation_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    exchange_hash: Mapped[str] = mapped_column(String(64), unique=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified: Mapped[bool | None] = mapped_column(Boolean)
    holder: Mapped[str | None] = mapped_column(String(2000))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
