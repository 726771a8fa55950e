"""Verifiers' presentation requests (issue 16, item 5), and wallet secrets owned by an offer or a request.

`wallet_secrets.offer_id` (a foreign key to offers) becomes `owner_id`, the id of an offer or a presentation
request. The table holds only short-lived secrets — access tokens (10 minutes), c_nonces (5 minutes),
challenges (10 minutes) — so it is made anew rather than copied: a wallet mid-claim while the server upgrades
asks for a fresh nonce or challenge. Downgrading drops the requests and makes the table as 0005 had it.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def _wallet_secrets(owner: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        "wallet_secrets",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        owner,
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(f"ix_wallet_secrets_{owner.name}", "wallet_secrets", [owner.name])
    op.create_index("ix_wallet_secrets_expires_at", "wallet_secrets", ["expires_at"])


def _drop_wallet_secrets(owner: str) -> None:
    op.drop_index("ix_wallet_secrets_expires_at", "wallet_secrets")
    op.drop_index(f"ix_wallet_secrets_{owner}", "wallet_secrets")
    op.drop_table("wallet_secrets")


def upgrade() -> None:
    _drop_wallet_secrets("offer_id")
    _wallet_secrets(sa.Column("owner_id", sa.String(32), nullable=True))  # an offer's or a request's id
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("exchange_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("query", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified", sa.Boolean, nullable=True),
        sa.Column("holder", sa.String(2000), nullable=True),
        sa.Column("report", sa.JSON, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("presentation_requests")
    _drop_wallet_secrets("owner_id")
    _wallet_secrets(sa.Column("offer_id", sa.String(32), sa.ForeignKey("offers.id"), nullable=True))
