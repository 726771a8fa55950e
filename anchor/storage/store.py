"""The store: issued credentials (private data — never on-chain), batches, status allocations and an
append-only audit log, in SQLAlchemy 2. SQLite file by default, PostgreSQL by URL
(`CREDANCHOR_DATABASE_URL`); the schema is created and upgraded by Alembic migrations.

Every write is one database transaction and safe to retry: queueing the same credential twice is a
no-op, a status index is unique per list (a clash is retried with another random index), and a
batch is recorded as anchored together with every credential's anchored document.

The Store implements the credentials side's interfaces: it is a `CredentialQueue` for
`issue_and_queue`, and `StoreStatusAllocator` a `StatusAllocator` for `CredentialIssuer`.
Split by concern: anchor.storage.database (opening, sessions, the audit log, PostgreSQL schemas),
models (the tables), records (what callers get), api_keys (API keys), offers (claim offers and
wallet secrets, anchor.wallets); the names callers use are
re-exported here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anchor.credentials.status import LIST_SIZE, StatusLocation, fresh_list_id
from anchor.errors import ConfigurationError
from anchor.stats import percentile
from anchor.storage.api_keys import API_KEY_PREFIX, API_KEY_ROLES, ApiKeyStore
from anchor.storage.database import StoreError, aware, database_url, now
from anchor.storage.models import AuditRow, BatchRow, CredentialRow, StatusIndexRow
from anchor.storage.offers import OfferStore
from anchor.storage.records import (
    ApiKey,
    Batch,
    BatchState,
    Offer,
    PresentationRequest,
    StoredCredential,
    WalletSecret,
)
from anchor.types import StatusPurpose

__all__ = [
    "API_KEY_PREFIX",
    "API_KEY_ROLES",
    "ApiKey",
    "Batch",
    "BatchState",
    "Offer",
    "PresentationRequest",
    "Store",
    "StoreError",
    "StoreStatusAllocator",
    "StoredCredential",
    "WalletSecret",
    "database_url",
]


class Store(ApiKeyStore, OfferStore):
    """The SQLAlchemy store. Open with `Store.open(url)`, which migrates the schema to the latest."""

    # -- status lists -----------------------------------------------------------------------------

    def allocate_status(
        self, chain_id: int, contract: str, issuer_account: str, *, list_size: int = LIST_SIZE
    ) -> StatusLocation:
        """Random indices never handed out before in this issuer's lists: one in its revocation list and
        another, drawn apart, in its suspension list (their events cannot be linked by index).

        A list takes `list_size // 2` credentials (anchor.credentials.status.CREDENTIALS_PER_LIST); the
        next one gets a random unused id (`fresh_list_id`), so list ids do not count the issuer's lists.
        """
        if list_size < LIST_SIZE:
            raise ConfigurationError(f"status lists need at least {LIST_SIZE:,} entries for herd privacy")
        issuer = (
            (StatusIndexRow.chain_id == chain_id)
            & (StatusIndexRow.contract == contract)
            & (StatusIndexRow.issuer_account == issuer_account)
        )
        while True:
            with self._session() as session:
                list_id = _list_in_use(session, issuer, list_size)
                indices = {purpose: secrets.randbelow(list_size) for purpose in StatusPurpose}
                try:
                    with session.begin_nested():
                        session.add_all(
                            StatusIndexRow(chain_id=chain_id, contract=contract, issuer_account=issuer_account,
                                           list_id=list_id, purpose=int(purpose), list_index=index,
                                           allocated_at=now())
                            for purpose, index in indices.items()
                        )  # fmt: skip
                except IntegrityError:
                    continue  # taken: draw again
                revocation, suspension = indices[StatusPurpose.REVOCATION], indices[StatusPurpose.SUSPENSION]
                self._audit(session, "status.allocate", issuer_account, list=list_id, index=revocation,
                            suspension_index=suspension)  # fmt: skip
                return StatusLocation(chain_id, contract, issuer_account, list_id, revocation, suspension)

    def status_list_ids(self, chain_id: int, contract: str, issuer_account: str) -> list[int]:
        """The ids of the status lists this issuer account has handed indices out in (ascending)."""
        with self._session() as session:
            query = (
                select(StatusIndexRow.list_id)
                .distinct()
                .where(
                    (StatusIndexRow.chain_id == chain_id)
                    & (StatusIndexRow.contract == contract)
                    & (StatusIndexRow.issuer_account == issuer_account)
                )
            )
            return sorted(session.scalars(query))

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
                    queued_at=now(),
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
            due = force or len(queued) >= max_size or (max_age is not None and now() - oldest >= max_age)
            if not due:
                return None
            root = root_of([json.loads(row.document) for row in queued])
            batch = BatchRow(
                issuer_account=issuer_account, root=root, size=len(queued), state="closed", closed_at=now()
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

    def record_sent(self, batch: Batch, tx_hash: bytes) -> None:
        """Remember the hash of a closed batch's anchoring transaction as soon as the node accepted it (a
        restart finds its receipt by that hash); an anchored batch keeps the transaction it recorded."""
        with self._session() as session:
            row = session.get(BatchRow, batch.id)
            if row is None:
                raise ConfigurationError(f"no batch {batch.id}")
            if row.state == "closed":
                row.tx_hash = "0x" + tx_hash.hex()
                self._audit(session, "batch.send", batch.root, tx=row.tx_hash)

    def sent_transaction(self, batch: Batch) -> bytes | None:
        """The hash of the batch's anchoring transaction: sent (closed batch) or recorded (anchored)."""
        with self._session() as session:
            row = session.get(BatchRow, batch.id)
            return bytes.fromhex(row.tx_hash.removeprefix("0x")) if row is not None and row.tx_hash else None

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
            if row.state == "anchored" and (row.tx_hash, row.block_number) == (tx_hash, block_number):
                return  # a retry after success (a transaction re-mined in another block is recorded again)
            row.state, row.chain_id, row.contract = "anchored", chain_id, contract
            row.tx_hash, row.block_number, row.anchored_at = tx_hash, block_number, now()
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
        self, issuer_account: str, *, state: str | None = None, limit: int | None = 100, offset: int = 0
    ) -> tuple[int, list[StoredCredential]]:
        """One issuer account's stored credentials, oldest first: (total, one page; `limit=None`: all)."""
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

    def credential_ids(self, issuer_account: str, *, state: str | None = None) -> list[str]:
        """The ids of one issuer account's stored credentials (in `state`, if given), oldest first.

        Ids only: a caller that polls (the soak's verifier, each second) does not load every document."""
        where = CredentialRow.issuer_account == issuer_account
        if state is not None:
            where = where & (CredentialRow.state == state)
        with self._session() as session:
            query = select(CredentialRow.id).where(where).order_by(CredentialRow.queued_at, CredentialRow.id)
            return list(session.scalars(query))

    def stored_credential(self, credential_id: str) -> StoredCredential | None:
        with self._session() as session:
            row = session.get(CredentialRow, credential_id)
            return None if row is None else _stored(row)

    def batch_states(
        self, issuer_account: str, *, limit: int | None = 100, offset: int = 0
    ) -> tuple[int, list[BatchState]]:
        """One issuer account's batches, newest first: (total, one page; `limit=None`: all)."""
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
        latencies = sorted((aware(done) - aware(closed)).total_seconds() for closed, done in latest if done)
        figures = {
            "credentials_queued": float(queued or 0),
            "oldest_queued_seconds": (now() - aware(oldest)).total_seconds() if oldest else 0.0,
            "batches_pending": float(pending or 0),
            "batches_anchored": float(anchored or 0),
        }
        for name, q in (("p50", 0.5), ("p90", 0.9), ("max", 1.0)):
            figures[f"anchor_latency_{name}_seconds"] = percentile(latencies, q)
        return figures

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


def _list_in_use(session: Session, issuer: ColumnElement[bool], list_size: int) -> int:
    """The list the issuer's latest allocation went to while it has room, else a new one (`fresh_list_id`)."""
    latest = session.scalar(select(StatusIndexRow.list_id).where(issuer).order_by(StatusIndexRow.id.desc()).limit(1))
    if latest is not None:
        in_list = issuer & (StatusIndexRow.list_id == latest) & (StatusIndexRow.purpose == StatusPurpose.REVOCATION)
        if (session.scalar(select(func.count()).select_from(StatusIndexRow).where(in_list)) or 0) < list_size // 2:
            return int(latest)
    return fresh_list_id(set(session.scalars(select(StatusIndexRow.list_id).distinct().where(issuer))))


def _stored(row: CredentialRow) -> StoredCredential:
    return StoredCredential(row.id, row.state, row.issuer_did, row.issuer_account, row.batch_id,
                            aware(row.queued_at), json.loads(row.document))  # fmt: skip


def _batch_state(row: BatchRow) -> BatchState:
    return BatchState(row.id, row.issuer_account, row.root, row.size, row.state, row.chain_id, row.contract,
                      row.tx_hash, row.block_number, aware(row.closed_at),
                      aware(row.anchored_at) if row.anchored_at else None)  # fmt: skip


class StoreStatusAllocator:
    """Status locations allocated in the store: random, never reused, across processes."""

    def __init__(self, store: Store, chain_id: int, contract: str, issuer_account: str) -> None:
        self.store, self.chain_id, self.contract, self.issuer_account = store, chain_id, contract, issuer_account

    def allocate(self) -> StatusLocation:
        return self.store.allocate_status(self.chain_id, self.contract, self.issuer_account)
