"""Status indices per purpose: a credential's index in the revocation list and its index in the suspension
list are drawn apart (issue 19), so each purpose keeps its own record of the indices handed out.

The allocations made before keep their meaning — one index used in both lists — as one row per purpose
with that index, so no later draw in either list can take it again. Downgrading puts every index back in
one pool per list: a superset of what was used, so the previous allocator still never hands out a taken
index.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_KEY = "chain_id, contract, issuer_account, list_id"


def upgrade() -> None:
    op.create_table(
        "status_indices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.Integer, nullable=False),
        sa.Column("contract", sa.String(42), nullable=False),
        sa.Column("issuer_account", sa.String(42), nullable=False),
        sa.Column("list_id", sa.Integer, nullable=False),
        sa.Column("purpose", sa.Integer, nullable=False),  # StatusPurpose: 0 revocation, 1 suspension
        sa.Column("list_index", sa.Integer, nullable=False),
        sa.Column("allocated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("chain_id", "contract", "issuer_account", "list_id", "purpose", "list_index"),
    )
    for purpose in (0, 1):  # in allocation order: the latest row names the list in use
        op.execute(
            f"INSERT INTO status_indices ({_KEY}, purpose, list_index, allocated_at) "
            f"SELECT {_KEY}, {purpose}, list_index, allocated_at FROM status_allocations ORDER BY id"
        )
    op.drop_table("status_allocations")


def downgrade() -> None:
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
    op.execute(
        f"INSERT INTO status_allocations ({_KEY}, list_index, allocated_at) "
        f"SELECT {_KEY}, list_index, MIN(allocated_at) FROM status_indices "
        f"GROUP BY {_KEY}, list_index ORDER BY MIN(id)"
    )
    op.drop_table("status_indices")
