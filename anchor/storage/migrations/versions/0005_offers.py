"""Claim offers for wallets (issue 16): offers, and the short-lived secrets handed to wallets (OpenID4VCI
access tokens and c_nonces, VC API exchange challenges). Only hashes of secrets are stored.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("issuer", sa.String(200), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("cryptosuite", sa.String(40), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("reference_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("exchange_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("tx_code_hash", sa.String(64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(2000), nullable=True),
        sa.Column("protocol", sa.String(16), nullable=True),
        sa.Column("credential_id", sa.String(200), nullable=True),
    )
    op.create_index("ix_offers_issuer", "offers", ["issuer"])
    op.create_table(
        "wallet_secrets",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("offer_id", sa.String(32), sa.ForeignKey("offers.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_wallet_secrets_offer_id", "wallet_secrets", ["offer_id"])
    op.create_index("ix_wallet_secrets_expires_at", "wallet_secrets", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_wallet_secrets_expires_at", "wallet_secrets")
    op.drop_index("ix_wallet_secrets_offer_id", "wallet_secrets")
    op.drop_table("wallet_secrets")
    op.drop_index("ix_offers_issuer", "offers")
    op.drop_table("offers")
