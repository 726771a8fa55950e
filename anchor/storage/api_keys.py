"""API keys in the store: one per issuer (role `issuer`, subject its name) or accreditation body (role
`body`, subject its address). The secret is handed over once, at creation, and kept only as a SHA-256
hash; a presented key is checked by a constant-time comparison of hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from anchor.errors import ConfigurationError
from anchor.storage.database import Database, aware, now
from anchor.storage.models import ApiKeyRow
from anchor.storage.records import ApiKey

API_KEY_PREFIX = "cak"
API_KEY_ROLES = ("issuer", "body")


class ApiKeyStore(Database):
    """The API-key part of the Store (anchor.storage.store.Store inherits it)."""

    def create_api_key(self, role: str, subject: str, label: str = "") -> tuple[ApiKey, str]:
        """A new key for one issuer (role `issuer`, subject its name) or accreditation body (role
        `body`, subject its address): (record, the secret to hand over — it is not kept)."""
        if role not in API_KEY_ROLES:
            raise ConfigurationError(f"an API key's role is one of {', '.join(API_KEY_ROLES)}, not {role!r}")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._session() as session:
            row = ApiKeyRow(id=key_id, secret_hash=_hash_secret(secret), role=role, subject=subject,
                            label=label, created_at=now(), revoked_at=None)  # fmt: skip
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
                row.revoked_at = now()
                self._audit(session, "apikey.revoke", key_id, role=row.role, holder=row.subject)
            return _api_key(row)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(row.id, row.role, row.subject, row.label, aware(row.created_at),
                  aware(row.revoked_at) if row.revoked_at else None)  # fmt: skip
