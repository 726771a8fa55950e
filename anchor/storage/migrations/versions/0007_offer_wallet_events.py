"""What the wallet said about an offer's credential (OpenID4VCI 1.0 §11, the Notification Endpoint): the last
event it sent — credential_accepted, credential_failure or credential_deleted — and when. The events
themselves, with the wallet's description, are in the audit log (`offer.notification`).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("offers") as offers:  # batch: SQLite alters a table by copying it
        offers.add_column(sa.Column("wallet_event", sa.String(32), nullable=True))
        offers.add_column(sa.Column("wallet_event_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offers") as offers:
        offers.drop_column("wallet_event_at")
        offers.drop_column("wallet_event")
