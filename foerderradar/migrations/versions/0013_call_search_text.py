"""the web app's search: each call's searchable text, folded once when it is written

``calls.search_text`` holds title, summary, funding body and description folded (case, umlauts, ß,
accents; ``store.search_text``). Filled here for the rows already stored, in batches, by the same
function the store writes it with. Downgrading drops the column; nothing else reads it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-15 11:00:00
"""
import sqlalchemy as sa
from alembic import op

from foerderradar.storage.store import SEARCHED_FIELDS, search_text

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    calls = sa.table('calls', sa.column('id', sa.String()), sa.column('search_text', sa.Text()),
                     *(sa.column(name, sa.Text()) for name in SEARCHED_FIELDS))
    conn = op.get_bind()
    last = None
    while True:
        query = sa.select(calls.c.id, *(calls.c[name] for name in SEARCHED_FIELDS)).order_by(calls.c.id).limit(BATCH)
        if last is not None:
            query = query.where(calls.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        conn.execute(
            sa.update(calls).where(calls.c.id == sa.bindparam('row_id')).values(search_text=sa.bindparam('text')),
            [{'row_id': row.id, 'text': search_text(dict(row._mapping))} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('search_text')
