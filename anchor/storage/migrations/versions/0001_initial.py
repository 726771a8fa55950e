"""Credentials, batches, status allocations and the audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issuer_account", sa.String(42), nullable=False, index=True),
        sa.Column("root", sa.String(66), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("chain_id", sa.Integer),
        sa.Column("contract", sa.String(42)),
        sa.Column("tx_hash", sa.String(66)),
        sa.Column("block_number", sa.Integer),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("issuer_account", "root"),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("issuer_did", sa.String(300), nullable=False, index=True),
        sa.Column("issuer_account", sa.String(42), nullable=False, index=True),
        sa.Column("credential_hash", sa.String(66), nullable=False, unique=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("file_name", sa.String(300)),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), index=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "status_allocations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.Integer, nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("issuer_account", sa.String(42), nullable=False),
        sa.Column("list_id", sa.Integer, nullable=False),
        sa.Column("list_index", sa.Integer, nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("chain_id", "contract", "issuer_account", "list_id", "list_index"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_log", "status_allocations", "credentials", "batches"):
        op.drop_table(table)
