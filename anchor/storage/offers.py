"""Claim offers, verifiers' presentation requests and the short-lived secrets handed to wallets, in the store
(anchor.wallets is the logic).

Only hashes of secrets arrive here. Every step that may happen once is one conditional UPDATE — `... WHERE
used_at IS NULL` — whose row count says whether this request won: with several API workers on PostgreSQL two
wallets redeeming the same pre-authorized code, or posting presentations with the same challenge, or claiming
the same offer, see exactly one success between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.sql.elements import ColumnElement

from anchor.errors import ConfigurationError
from anchor.storage.database import Database, aware, now
from anchor.storage.models import OfferRow, PresentationRequestRow, WalletSecretRow
from anchor.storage.records import Offer, PresentationRequest, WalletSecret

#: The hashed secrets an offer is found by: its pre-authorized code, its reference (the offer by reference)
#: and its VC API exchange id.
OFFER_SECRETS = ("code", "reference", "exchange")
WALLET_SECRET_KINDS = ("token", "refresh", "nonce", "challenge")


class OfferStore(Database):
    """The offer part of the Store (anchor.storage.store.Store inherits it)."""

    def create_offer(
        self,
        offer_id: str,
        issuer: str,
        request: dict[str, Any],
        cryptosuite: str,
        hashes: dict[str, str],
        tx_code_hash: str | None,
        expires_at: datetime,
    ) -> Offer:
        """Record an offer; `hashes` holds the hash of each of OFFER_SECRETS."""
        missing = [name for name in OFFER_SECRETS if name not in hashes]
        if missing:
            raise ConfigurationError(f"an offer needs the hash of its {', '.join(missing)}")
        with self._session() as session:
            row = OfferRow(
                id=offer_id, issuer=issuer, request=request, cryptosuite=cryptosuite, code_hash=hashes["code"],
                reference_hash=hashes["reference"], exchange_hash=hashes["exchange"], tx_code_hash=tx_code_hash,
                tx_code_failures=0, created_at=now(), expires_at=expires_at,
            )  # fmt: skip
            session.add(row)
            session.flush()
            self._audit(session, "offer.create", offer_id, issuer=issuer, tx_code=tx_code_hash is not None,
                        expires=expires_at.isoformat())  # fmt: skip
            return _offer(row)

    def offer(self, offer_id: str) -> Offer | None:
        with self._session() as session:
            row = session.get(OfferRow, offer_id)
            return None if row is None else _offer(row)

    def offer_by_secret(self, kind: str, secret_hash: str) -> Offer | None:
        """The offer whose `kind` secret (one of OFFER_SECRETS) has this hash."""
        column = _secret_column(kind)
        with self._session() as session:
            row = session.scalar(select(OfferRow).where(column == secret_hash))
            return None if row is None else _offer(row)

    def offers(
        self, issuer: str, *, state: str | None = None, limit: int | None = 100, offset: int = 0
    ) -> tuple[int, list[Offer]]:
        """One issuer's offers, newest first: (total, one page). `state`: open | claimed | revoked | expired."""
        where = OfferRow.issuer == issuer
        moment = now()
        if state == "claimed":
            where = where & OfferRow.claimed_at.is_not(None)
        elif state == "revoked":
            where = where & OfferRow.claimed_at.is_(None) & OfferRow.revoked_at.is_not(None)
        elif state == "expired":
            where = where & OfferRow.claimed_at.is_(None) & OfferRow.revoked_at.is_(None)
            where = where & (OfferRow.expires_at <= moment)
        elif state == "open":
            where = where & OfferRow.claimed_at.is_(None) & OfferRow.revoked_at.is_(None)
            where = where & (OfferRow.expires_at > moment)
        elif state is not None:
            raise ConfigurationError(f"an offer's state is open, claimed, revoked or expired, not {state!r}")
        with self._session() as session:
            total = session.scalar(select(func.count()).select_from(OfferRow).where(where)) or 0
            rows = session.scalars(
                select(OfferRow).where(where).order_by(OfferRow.created_at.desc(), OfferRow.id)
                .limit(limit).offset(offset)
            ).all()  # fmt: skip
            return total, [_offer(row) for row in rows]

    def revoke_offer(self, offer_id: str) -> Offer:
        """Withdraw an offer not yet claimed; revoking twice, or a claimed offer, changes nothing (a claimed
        credential is revoked as a credential: `credanchor revoke`)."""
        with self._session() as session:
            row = session.get(OfferRow, offer_id)
            if row is None:
                raise ConfigurationError(f"no offer {offer_id!r}: `credanchor offer list` shows the offers")
            if row.revoked_at is None and row.claimed_at is None:
                row.revoked_at = now()
                self._audit(session, "offer.revoke", offer_id, issuer=row.issuer)
            return _offer(row)

    def use_offer_code(self, offer_id: str, tx_code_hash: str | None, max_failures: int) -> bool:
        """Mark the offer's pre-authorized code used — only if it is unused, the offer open and unexpired, and
        the transaction code (if the offer has one) matches. True for exactly one caller."""
        moment = now()
        condition = (
            (OfferRow.id == offer_id)
            & OfferRow.code_used_at.is_(None)
            & OfferRow.claimed_at.is_(None)
            & OfferRow.revoked_at.is_(None)
            & (OfferRow.expires_at > moment)
            & (OfferRow.tx_code_failures < max_failures)
            & (OfferRow.tx_code_hash.is_(None) | (OfferRow.tx_code_hash == (tx_code_hash or "")))
        )
        with self._session() as session:
            result = session.execute(update(OfferRow).where(condition).values(code_used_at=moment))
            won = _count(result) == 1
            if won:
                self._audit(session, "offer.code", offer_id)
            return won

    def add_tx_code_failure(self, offer_id: str) -> int:
        """Count one wrong transaction code (atomically); returns the count now."""
        with self._session() as session:
            session.execute(
                update(OfferRow).where(OfferRow.id == offer_id)
                .values(tx_code_failures=OfferRow.tx_code_failures + 1)
            )  # fmt: skip
            self._audit(session, "offer.tx_code_failure", offer_id)
            return int(session.scalar(select(OfferRow.tx_code_failures).where(OfferRow.id == offer_id)) or 0)

    def claim_offer(self, offer_id: str, holder: str, protocol: str) -> bool:
        """Bind the offer to `holder` — only if no one claimed it and it is open and unexpired. True for exactly
        one caller; the claim is in the audit log."""
        moment = now()
        condition = (
            (OfferRow.id == offer_id)
            & OfferRow.claimed_at.is_(None)
            & OfferRow.revoked_at.is_(None)
            & (OfferRow.expires_at > moment)
        )
        with self._session() as session:
            values = {"claimed_at": moment, "holder": holder, "protocol": protocol}
            won = _count(session.execute(update(OfferRow).where(condition).values(**values))) == 1
            if won:
                self._audit(session, "offer.claim", offer_id, protocol=protocol, holder=holder)
            return won

    def record_offer_credential(self, offer_id: str, credential_id: str) -> None:
        """The credential issued for a claimed offer."""
        with self._session() as session:
            row = session.get(OfferRow, offer_id)
            if row is None:
                raise ConfigurationError(f"no offer {offer_id!r}")
            if row.credential_id != credential_id:
                row.credential_id = credential_id
                self._audit(session, "offer.issue", offer_id, credential=credential_id)

    def record_wallet_event(self, offer_id: str, event: str, description: str | None) -> bool:
        """The wallet's notification about the offer's credential (OpenID4VCI 1.0 §11): kept as the offer's last
        event and in the audit log. Idempotent: the event the offer already has changes nothing (False)."""
        with self._session() as session:
            row = session.get(OfferRow, offer_id)
            if row is None:
                raise ConfigurationError(f"no offer {offer_id!r}")
            if row.wallet_event == event:
                return False
            row.wallet_event, row.wallet_event_at = event, now()
            self._audit(session, "offer.notification", offer_id, event=event, description=description)
            return True

    # -- verifiers' presentation requests -------------------------------------------------------------

    def create_presentation_request(
        self, request_id: str, key_hash: str, exchange_hash: str, query: dict[str, Any], expires_at: datetime
    ) -> PresentationRequest:
        with self._session() as session:
            row = PresentationRequestRow(id=request_id, key_hash=key_hash, exchange_hash=exchange_hash, query=query,
                                         created_at=now(), expires_at=expires_at)  # fmt: skip
            session.add(row)
            session.flush()
            self._audit(session, "presentation_request.create", request_id, expires=expires_at.isoformat())
            return _presentation_request(row)

    def presentation_request(self, request_id: str) -> PresentationRequest | None:
        with self._session() as session:
            row = session.get(PresentationRequestRow, request_id)
            return None if row is None else _presentation_request(row)

    def presentation_request_by_exchange(self, exchange_hash: str) -> PresentationRequest | None:
        with self._session() as session:
            row = session.scalar(
                select(PresentationRequestRow).where(PresentationRequestRow.exchange_hash == exchange_hash)
            )
            return None if row is None else _presentation_request(row)

    def record_presentation(self, request_id: str, holder: str, verified: bool, report: dict[str, Any]) -> bool:
        """Record a wallet's answer — only the first, and only before the request expires. True for one caller."""
        moment = now()
        condition = (
            (PresentationRequestRow.id == request_id)
            & PresentationRequestRow.answered_at.is_(None)
            & (PresentationRequestRow.expires_at > moment)
        )
        values = {"answered_at": moment, "holder": holder, "verified": verified, "report": report}
        with self._session() as session:
            won = _count(session.execute(update(PresentationRequestRow).where(condition).values(**values))) == 1
            if won:
                self._audit(session, "presentation_request.answer", request_id, holder=holder, verified=verified)
            return won

    # -- short-lived secrets handed to wallets ----------------------------------------------------

    def add_wallet_secret(self, kind: str, secret_hash: str, expires_at: datetime, owner: str | None = None) -> None:
        if kind not in WALLET_SECRET_KINDS:
            raise ConfigurationError(f"a wallet secret is one of {', '.join(WALLET_SECRET_KINDS)}, not {kind!r}")
        with self._session() as session:
            session.add(WalletSecretRow(hash=secret_hash, kind=kind, owner_id=owner, created_at=now(),
                                        expires_at=expires_at))  # fmt: skip

    def wallet_secret(self, kind: str, secret_hash: str) -> WalletSecret | None:
        with self._session() as session:
            row = session.get(WalletSecretRow, secret_hash)
            if row is None or row.kind != kind:
                return None
            return WalletSecret(row.hash, row.kind, row.owner_id, aware(row.expires_at),
                                aware(row.used_at) if row.used_at else None)  # fmt: skip

    def use_wallet_secret(self, kind: str, secret_hash: str, owner: str | None = None) -> bool:
        """Mark a nonce, challenge or refresh token used — only if it exists, is unused and unexpired (and, given
        `owner`, belongs to that offer or request). True for exactly one caller."""
        moment = now()
        condition: ColumnElement[bool] = (
            (WalletSecretRow.hash == secret_hash)
            & (WalletSecretRow.kind == kind)
            & WalletSecretRow.used_at.is_(None)
            & (WalletSecretRow.expires_at > moment)
        )
        if owner is not None:
            condition = condition & (WalletSecretRow.owner_id == owner)
        with self._session() as session:
            return _count(session.execute(update(WalletSecretRow).where(condition).values(used_at=moment))) == 1

    def expire_wallet_secrets(self, owner: str, kinds: tuple[str, ...], reason: str) -> int:
        """End now every live secret of these kinds that `owner` (an offer) holds — the tokens of a claim whose
        refresh token was used twice — with `reason` in the audit log; returns how many."""
        moment = now()
        condition = (
            (WalletSecretRow.owner_id == owner)
            & WalletSecretRow.kind.in_(kinds)
            & (WalletSecretRow.expires_at > moment)
        )
        with self._session() as session:
            ended = _count(session.execute(update(WalletSecretRow).where(condition).values(expires_at=moment)))
            self._audit(session, "offer.tokens_revoked", owner, kinds=list(kinds), count=ended, reason=reason)
            return ended

    def forget_expired_wallet_secrets(self) -> int:
        """Delete wallet secrets that expired (they can never be used again); returns how many."""
        with self._session() as session:
            return _count(session.execute(delete(WalletSecretRow).where(WalletSecretRow.expires_at <= now())))


def _count(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def _secret_column(kind: str) -> Any:
    columns = {"code": OfferRow.code_hash, "reference": OfferRow.reference_hash, "exchange": OfferRow.exchange_hash}
    if kind not in columns:
        raise ConfigurationError(f"an offer is found by one of {', '.join(OFFER_SECRETS)}, not {kind!r}")
    return columns[kind]


def _presentation_request(row: PresentationRequestRow) -> PresentationRequest:
    return PresentationRequest(
        id=row.id, key_hash=row.key_hash, query=dict(row.query), created_at=aware(row.created_at),
        expires_at=aware(row.expires_at), answered_at=aware(row.answered_at) if row.answered_at else None,
        verified=row.verified, holder=row.holder, report=dict(row.report) if row.report is not None else None,
    )  # fmt: skip


def _offer(row: OfferRow) -> Offer:
    def moment(value: datetime | None) -> datetime | None:
        return aware(value) if value is not None else None

    return Offer(
        id=row.id, issuer=row.issuer, request=dict(row.request), cryptosuite=row.cryptosuite,
        has_tx_code=row.tx_code_hash is not None, tx_code_failures=row.tx_code_failures or 0,
        created_at=aware(row.created_at), expires_at=aware(row.expires_at), revoked_at=moment(row.revoked_at),
        code_used_at=moment(row.code_used_at), claimed_at=moment(row.claimed_at), holder=row.holder,
        protocol=row.protocol, credential_id=row.credential_id, wallet_event=row.wallet_event,
        wallet_event_at=moment(row.wallet_event_at),
    )  # fmt: skip
