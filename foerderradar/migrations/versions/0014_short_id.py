"""short call ids: ``calls.short_id`` (``K7Q2M``), what people read in the digest and type

Every stored call gets its short id here, in id order, by the same rule the store gives new calls
theirs (``storage/short_ids.py``: five characters of the id's hash, a longer prefix on a collision,
the call earlier in id order keeping the short one). Then the column becomes NOT NULL with a unique
index. Downgrading drops both; nothing older reads them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-16 09:00:00
"""
import sqlalchemy as sa
from alembic import op

from foerderradar.storage import short_ids

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_id', sa.String(length=short_ids.MAX_LENGTH), nullable=True))
    calls = sa.table('calls', sa.column('id', sa.String()), sa.column('short_id', sa.String()))
    conn = op.get_bind()
    taken: set[str] = set()
    last = None
    while True:
        query = sa.select(calls.c.id).order_by(calls.c.id).limit(BATCH)
        if last is not None:
            query = query.where(calls.c.id > last)
        ids = list(conn.execute(query).scalars())
        if not ids:
            break
        given = short_ids.assign(ids, taken)
        conn.execute(
            sa.update(calls).where(calls.c.id == sa.bindparam('row_id')).values(short_id=sa.bindparam('short')),
            [{'row_id': call_id, 'short': short} for call_id, short in given.items()],
        )
        last = ids[-1]
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.alter_column('short_id', existing_type=sa.String(length=short_ids.MAX_LENGTH), nullable=False)
        batch_op.create_index(batch_op.f('ix_calls_short_id'), ['short_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_short_id'))
        batch_op.drop_column('short_id')
