"""contact and links of a call: ``calls.contact`` (one line) and ``calls.links`` (JSON)

Both stay empty for the calls already stored until their portal is crawled again; nothing is
back-filled, and no stored call changes: a call without contact and links hashes as before
(``FundingCall.canonical_json``), and a crawl that brings only these two refreshes them in place,
without a new version or a "GEÄNDERT" (``Store._upsert``). Downgrading drops both columns.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-17 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('links', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('links')
        batch_op.drop_column('contact')
