"""The store: issued credentials (private data — never on-chain), batches, status allocations and an
append-only audit log, in SQLAlchemy 2. SQLite file by default, PostgreSQL by URL
(`CREDANCHOR_DATABASE_URL`); the schema is created and upgraded by Alembic migrations.

Every write is one database transaction and safe to retry: queueing the same credential twice is a
no-op, a status index is unique per list (a clash is retried with another random index), and a
batch is recorded as anchored together with every credential's anchored document.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from anchor.credentials.status import LIST_SIZE, StatusLocation
from anchor.errors import ConfigurationError, CredAnchorError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(CredAnchorError, RuntimeError):
    """The database cannot be reached or refused a write."""


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


class StatusAllocationRow(Base):
    __tablename__ = "status_allocations"
    __table_args__ = (UniqueConstraint("chain_id", "contract", "issuer_account", "list_id", "list_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    contract: Mapped[str] = mapped_column(String(42))
    issuer_account: Mapped[str] = mapped_column(String(42))
    list_id: Mapped[int] = mapped_column(Integer)
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


API_KEY_PREFIX = "cak"
API_KEY_ROLES = ("issuer", "body")


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
    id: str
    state: str
    issuer_did: str
    issuer_account: str
    batch_id: int | None
    queued_at: datetime
    document: dict[str, Any]


@dataclass(frozen=True)
class BatchState:
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


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Batch:
    id: int
    issuer_account: str
    root: str
    state: str
    credential_ids: tuple[str, ...]


def database_url(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    import os

    env = os.environ if environ is None else environ
    return env.get("CREDANCHOR_DATABASE_URL") or f"sqlite:///{data_dir / 'credanchor.sqlite'}"


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """The SQLAlchemy store. Open with `Store.open(url)`, which migrates the schema to the latest."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Store:
        if url.startswith("sqlite:///"):
            folder = Path(url[len("sqlite:///") :]).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the database's folder {folder}: {exc.strerror or exc}") from None
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        try:
            engine = create_engine(url)
            with engine.begin() as connection:
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise StoreError(f"cannot open the database {engine.url.render_as_string()}: {exc.orig}") from None
        except Exception as exc:  # an unknown driver or a malformed URL from the user
            if isinstance(exc, CredAnchorError):
                raise
            raise ConfigurationError(f"cannot use database URL {url!r}: {exc}") from None
        return cls(engine)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _audit(self, session: Session, action: str, subject: str, **detail: Any) -> None:
        session.add(AuditRow(at=_now(), action=action, subject=subject, detail=detail))

    # -- status lists -----------------------------------------------------------------------------

    def allocate_status(
        self, chain_id: int, contract: str, issuer_account: str, *, list_size: int = LIST_SIZE
    ) -> StatusLocation:
        """A random index never handed out before in this issuer's lists (a list is used up to half)."""
        if list_size < LIST_SIZE:
            raise ConfigurationError(f"status lists need at least {LIST_SIZE:,} entries for herd privacy")
        while True:
            with self._session() as session:
                where = (
                    (StatusAllocationRow.chain_id == chain_id)
                    & (StatusAllocationRow.contract == contract)
                    & (StatusAllocationRow.issuer_account == issuer_account)
                )
                list_id = session.scalar(select(func.max(StatusAllocationRow.list_id)).where(where)) or 1
                used = (
                    session.scalar(
                        select(func.count())
                        .select_from(StatusAllocationRow)
                        .where(where & (StatusAllocationRow.list_id == list_id))
                    )
                    or 0
                )
                if used >= list_size // 2:
                    list_id += 1
                index = secrets.randbelow(list_size)
                try:
                    with session.begin_nested():
                        session.add(
                            StatusAllocationRow(
                                chain_id=chain_id,
                                contract=contract,
                                issuer_account=issuer_account,
                                list_id=list_id,
                                list_index=index,
                                allocated_at=_now(),
                            )
                        )
                except IntegrityError:
                    continue  # taken: draw again
                self._audit(session, "status.allocate", issuer_account, list=list_id, index=index)
                return StatusLocation(chain_id, contract, issuer_account, list_id, index)

    # -- credentials and batches ------------------------------------------------------------------

    def queue(
        self, credential: dict[str, Any], credential_hash: bytes, issuer_account: str, *, file_name: str | None = None
    ) -> bool:
        """Queue a signed credential for anchoring; False if it was queued before (same id and hash)."""
        hash_hex = "0x" + credential_hash.hex()
        with self._session() as session:
            existing = session.get(CredentialRow, credential["id"])
            if existing is not None:
                if existing.credential_hash != hash_hex:
                    raise ConfigurationError(f"credential {credential['id']} was queued before with other content")
                return False
            issuer = credential.get("issuer")
            session.add(
                CredentialRow(
                    id=credential["id"],
                    issuer_did=str(issuer.get("id") if isinstance(issuer, dict) else issuer),
                    issuer_account=issuer_account,
                    credential_hash=hash_hex,
                    document=json.dumps(credential),
                    file_name=file_name,
                    state="queued",
                    queued_at=_now(),
                )
            )
            self._audit(session, "credential.queue", credential["id"], hash=hash_hex)
        return True

    def close_batch(
        self, issuer_account: str, *, max_size: int, max_age: timedelta | None, force: bool = False, root_of: Any
    ) -> Batch | None:
        """Close a batch of queued credentials when `max_size` are waiting, the oldest is `max_age` old,
        or `force`; `root_of(documents)` computes the Merkle root. None when nothing is due."""
        with self._session() as session:
            queued = session.scalars(
                select(CredentialRow)
                .where((CredentialRow.issuer_account == issuer_account) & (CredentialRow.state == "queued"))
                .order_by(CredentialRow.queued_at, CredentialRow.id)
                .limit(max_size)
            ).all()
            if not queued:
                return None
            oldest = queued[0].queued_at if queued[0].queued_at.tzinfo else queued[0].queued_at.replace(tzinfo=UTC)
            due = force or len(queued) >= max_size or (max_age is not None and _now() - oldest >= max_age)
            if not due:
                return None
            root = root_of([json.loads(row.document) for row in queued])
            batch = BatchRow(
                issuer_account=issuer_account, root=root, size=len(queued), state="closed", closed_at=_now()
            )
            session.add(batch)
            session.flush()
            for row in queued:
                row.state, row.batch_id = "batched", batch.id
            self._audit(session, "batch.close", root, size=len(queued), batch=batch.id)
            return Batch(batch.id, issuer_account, root, "closed", tuple(row.id for row in queued))

    def accounts(self) -> list[str]:
        """Every issuer account with credentials in the store."""
        with self._session() as session:
            return sorted(set(session.scalars(select(CredentialRow.issuer_account))))

    def accounts_with_work(self) -> list[str]:
        """Issuer accounts with queued credentials or batches not yet recorded as anchored."""
        with self._session() as session:
            queued = session.scalars(select(CredentialRow.issuer_account).where(CredentialRow.state != "anchored"))
            return sorted(set(queued))

    def open_batches(self, issuer_account: str) -> list[Batch]:
        """Closed batches not yet recorded as anchored (after a crash: anchor them again, safely)."""
        with self._session() as session:
            rows = session.scalars(
                select(BatchRow)
                .where((BatchRow.issuer_account == issuer_account) & (BatchRow.state == "closed"))
                .order_by(BatchRow.id)
            ).all()
            return [self._batch(session, row) for row in rows]

    def anchored_batches(self, issuer_account: str, *, since_block: int = 0) -> list[tuple[Batch, int, str]]:
        """Batches recorded as anchored at or after `since_block`: (batch, block number, tx hash)."""
        with self._session() as session:
            rows = session.scalars(
                select(BatchRow)
                .where(
                    (BatchRow.issuer_account == issuer_account)
                    & (BatchRow.state == "anchored")
                    & (BatchRow.block_number >= since_block)
                )
                .order_by(BatchRow.id)
            ).all()
            return [(self._batch(session, row), row.block_number or 0, row.tx_hash or "") for row in rows]

    def reopen(self, batch: Batch, documents: Sequence[dict[str, Any]]) -> None:
        """A batch whose anchoring was dropped (reorg): closed again, its credentials as signed."""
        by_id = {d["id"]: d for d in documents}
        with self._session() as session:
            row = session.get(BatchRow, batch.id)
            if row is None:
                raise ConfigurationError(f"no batch {batch.id}")
            row.state, row.tx_hash, row.block_number, row.anchored_at, row.raw_tx = "closed", None, None, None, None
            for credential in session.scalars(select(CredentialRow).where(CredentialRow.batch_id == batch.id)):
                credential.document, credential.state = json.dumps(by_id[credential.id]), "batched"
            self._audit(session, "batch.reopen", batch.root, reason="anchoring transaction no longer on-chain")

    def record_signed(self, batch: Batch, raw_tx: bytes) -> None:
        """Remember the signed anchoring transaction before it is sent (a restart sends it again)."""
        with self._session() as session:
            row = session.get(BatchRow, batch.id)
            if row is None:
                raise ConfigurationError(f"no batch {batch.id}")
            row.raw_tx = raw_tx.hex()
            self._audit(session, "batch.sign", batch.root, bytes=len(raw_tx))

    def signed_transaction(self, batch: Batch) -> bytes | None:
        with self._session() as session:
            row = session.get(BatchRow, batch.id)
            return bytes.fromhex(row.raw_tx) if row is not None and row.raw_tx else None

    def documents(self, batch: Batch) -> list[dict[str, Any]]:
        with self._session() as session:
            rows = session.scalars(
                select(CredentialRow)
                .where(CredentialRow.batch_id == batch.id)
                .order_by(CredentialRow.queued_at, CredentialRow.id)
            ).all()
            return [json.loads(row.document) for row in rows]

    def record_anchored(
        self,
        batch: Batch,
        anchored: Sequence[dict[str, Any]],
        *,
        chain_id: int,
        contract: str,
        tx_hash: str,
        block_number: int,
    ) -> None:
        """Record the batch as anchored and every credential's document with its anchor proof, at once."""
        by_id = {c["id"]: c for c in anchored}
        with self._session() as session:
            row = session.get(BatchRow, batch.id)
            if row is None:
                raise ConfigurationError(f"no batch {batch.id}")
            if row.state == "anchored" and row.tx_hash == tx_hash:
                return  # a retry after success
            row.state, row.chain_id, row.contract = "anchored", chain_id, contract
            row.tx_hash, row.block_number, row.anchored_at = tx_hash, block_number, _now()
            for credential in session.scalars(select(CredentialRow).where(CredentialRow.batch_id == batch.id)):
                credential.document, credential.state = json.dumps(by_id[credential.id]), "anchored"
            self._audit(session, "batch.anchor", batch.root, tx=tx_hash, block=block_number, size=len(by_id))

    def document(self, credential_id: str) -> dict[str, Any] | None:
        """The stored credential (with its anchor proof once anchored), or None."""
        with self._session() as session:
            row = session.get(CredentialRow, credential_id)
            return None if row is None else dict(json.loads(row.document))

    def credential(self, credential_id: str) -> tuple[str, dict[str, Any], str | None]:
        """(state, document, file name) of a stored credential."""
        with self._session() as session:
            row = session.get(CredentialRow, credential_id)
            if row is None:
                raise ConfigurationError(f"no credential {credential_id} in the store")
            return row.state, json.loads(row.document), row.file_name

    def credentials(
        self, issuer_account: str, *, state: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[int, list[StoredCredential]]:
        """One issuer account's stored credentials, oldest first: (total, one page)."""
        where = CredentialRow.issuer_account == issuer_account
        if state is not None:
            where = where & (CredentialRow.state == state)
        with self._session() as session:
            total = session.scalar(select(func.count()).select_from(CredentialRow).where(where)) or 0
            rows = session.scalars(
                select(CredentialRow).where(where).order_by(CredentialRow.queued_at, CredentialRow.id)
                .limit(limit).offset(offset)
            ).all()  # fmt: skip
            return total, [_stored(row) for row in rows]

    def stored_credential(self, credential_id: str) -> StoredCredential | None:
        with self._session() as session:
            row = session.get(CredentialRow, credential_id)
            return None if row is None else _stored(row)

    def batch_states(self, issuer_account: str, *, limit: int = 100, offset: int = 0) -> tuple[int, list[BatchState]]:
        """One issuer account's batches, newest first: (total, one page)."""
        where = BatchRow.issuer_account == issuer_account
        with self._session() as session:
            total = session.scalar(select(func.count()).select_from(BatchRow).where(where)) or 0
            rows = session.scalars(
                select(BatchRow).where(where).order_by(BatchRow.id.desc()).limit(limit).offset(offset)
            ).all()
            return total, [_batch_state(row) for row in rows]

    def batch_state(self, batch_id: int) -> BatchState | None:
        with self._session() as session:
            row = session.get(BatchRow, batch_id)
            return None if row is None else _batch_state(row)

    # -- API keys ---------------------------------------------------------------------------------

    def create_api_key(self, role: str, subject: str, label: str = "") -> tuple[ApiKey, str]:
        """A new key for one issuer (role `issuer`, subject its name) or accreditation body (role
        `body`, subject its address): (record, the secret to hand over — it is not kept)."""
        if role not in API_KEY_ROLES:
            raise ConfigurationError(f"an API key's role is one of {', '.join(API_KEY_ROLES)}, not {role!r}")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._session() as session:
            row = ApiKeyRow(id=key_id, secret_hash=_hash_secret(secret), role=role, subject=subject,
                            label=label, created_at=_now(), revoked_at=None)  # fmt: skip
            session.add(row)
            self._audit(session, "apikey.create", key_id, role=role, holder=subject)
            record = _api_key(row)
        return record, f"{API_KEY_PREFIX}_{key_id}_{secret}"

    def authenticate(self, presented: str) -> ApiKey | None:
        """The live key matching `presented` (constant-time comparison of hashes), or None."""
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
            return None
        with self._session() as session:
            row = session.get(ApiKeyRow, parts[1])
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.secret_hash, _hash_secret(parts[2])):
                return None
            return _api_key(row)

    def api_keys(self, subject: str | None = None) -> list[ApiKey]:
        with self._session() as session:
            query = select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.id)
            if subject is not None:
                query = query.where(ApiKeyRow.subject == subject)
            return [_api_key(row) for row in session.scalars(query)]

    def revoke_api_key(self, key_id: str) -> ApiKey:
        """Revoke a key (from then on it authenticates nothing); revoking twice is harmless."""
        with self._session() as session:
            row = session.get(ApiKeyRow, key_id)
            if row is None:
                raise ConfigurationError(f"no API key {key_id!r}: `credanchor apikey list` shows the keys")
            if row.revoked_at is None:
                row.revoked_at = _now()
                self._audit(session, "apikey.revoke", key_id, role=row.role, holder=row.subject)
            return _api_key(row)

    def metrics(self, *, recent: int = 100) -> dict[str, float]:
        """Operational figures for monitoring: the queue, pending batches and recent anchoring latency
        (seconds from a batch closing to its recorded anchoring, over the last `recent` batches)."""
        with self._session() as session:
            queued = session.scalar(
                select(func.count()).select_from(CredentialRow).where(CredentialRow.state == "queued")
            )
            oldest = session.scalar(select(func.min(CredentialRow.queued_at)).where(CredentialRow.state == "queued"))
            pending = session.scalar(select(func.count()).select_from(BatchRow).where(BatchRow.state == "closed"))
            anchored = session.scalar(select(func.count()).select_from(BatchRow).where(BatchRow.state == "anchored"))
            latest = session.execute(
                select(BatchRow.closed_at, BatchRow.anchored_at).where(BatchRow.state == "anchored")
                .order_by(BatchRow.id.desc()).limit(recent)
            ).all()  # fmt: skip
        latencies = sorted((_aware(done) - _aware(closed)).total_seconds() for closed, done in latest if done)
        figures = {
            "credentials_queued": float(queued or 0),
            "oldest_queued_seconds": (_now() - _aware(oldest)).total_seconds() if oldest else 0.0,
            "batches_pending": float(pending or 0),
            "batches_anchored": float(anchored or 0),
        }
        for name, q in (("p50", 0.5), ("p90", 0.9), ("max", 1.0)):
            figures[f"anchor_latency_{name}_seconds"] = (
                latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0
            )
        return figures

    def ping(self) -> None:
        """Raise StoreError unless the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            raise StoreError(f"the database does not answer: {exc.orig}") from None

    def audit(self) -> list[tuple[str, str, dict[str, Any]]]:
        with self._session() as session:
            return [(r.action, r.subject, r.detail) for r in session.scalars(select(AuditRow).order_by(AuditRow.id))]

    def _batch(self, session: Session, row: BatchRow) -> Batch:
        ids = session.scalars(
            select(CredentialRow.id)
            .where(CredentialRow.batch_id == row.id)
            .order_by(CredentialRow.queued_at, CredentialRow.id)
        ).all()
        return Batch(row.id, row.issuer_account, row.root, row.state, tuple(ids))


def _stored(row: CredentialRow) -> StoredCredential:
    return StoredCredential(row.id, row.state, row.issuer_did, row.issuer_account, row.batch_id,
                            _aware(row.queued_at), json.loads(row.document))  # fmt: skip


def _batch_state(row: BatchRow) -> BatchState:
    return BatchState(row.id, row.issuer_account, row.root, row.size, row.state, row.chain_id, row.contract,
                      row.tx_hash, row.block_number, _aware(row.closed_at),
                      _aware(row.anchored_at) if row.anchored_at else None)  # fmt: skip


def _api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.role, row.subject, row.label, _aware(row.created_at),
                  _aware(row.revoked_at) if row.revoked_at else None)  # fmt: skip


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive date-times: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class StoreStatusAllocator:
    """Status locations allocated in the store: random, never reused, across processes."""

    def __init__(self, store: Store, chain_id: int, contract: str, issuer_account: str) -> None:
        self.store, self.chain_id, self.contract, self.issuer_account = store, chain_id, contract, issuer_account

    def allocate(self) -> StatusLocation:
        return self.store.allocate_status(self.chain_id, self.contract, self.issuer_account)
