"""matches become the one truth: rank, title, url, deadline, status per verdict; match_state per measure

Verdicts stored before this revision have no match_state row, so they count as stale: the first
read of a measure recomputes and replaces them (jobs.match_stored_calls). The new columns get
server defaults only so that those old rows satisfy NOT NULL until then.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:00:00
"""
import sqlalchemy as sa
from alembic import op

import foerderradar.storage.tables

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rank', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('title', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('url', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='unknown'))
    op.create_table(
        'match_state',
        sa.Column('measure_id', sa.String(length=128), nullable=False),
        sa.Column('inputs', sa.String(length=64), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('computed_at', foerderradar.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column('calls_checked', sa.Integer(), nullable=False),
        sa.Column('calls_skipped', sa.Integer(), nullable=False),
        sa.Column('min_score', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('measure_id'),
    )


def downgrade() -> None:
    op.drop_table('match_state')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_column('status')
        batch_op.drop_column('deadline')
        batch_op.drop_column('url')
        batch_op.drop_column('title')
        batch_op.drop_column('rank')
