"""sent_digests.covers_until: the newest data a sent digest can have seen (next digest's "new since")

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:20:00
"""
import sqlalchemy as sa
from alembic import op

import foerderradar.storage.tables

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sent_digests', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('covers_until', foerderradar.storage.tables.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('sent_digests', schema=None) as batch_op:
        batch_op.drop_column('covers_until')
