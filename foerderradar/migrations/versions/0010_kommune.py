"""several municipalities on one instance: verdicts, marks and sent digests belong to one (``kommune``)

Rows written before this revision get an empty ``kommune``: the database cannot know the slug the
configuration gives its one municipality. ``storage/ownership.py`` hands them to their municipality
on the first run with a configuration (the single form: the only one; ``kommunen/``: the one whose
measure or recipient they name), so no mark, sent digest or verdict is lost.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00
"""
import sqlalchemy as sa
from alembic import op

import foerderradar.storage.tables

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None



def _kommune() -> sa.Column[str]:
    return sa.Column('kommune', sa.String(length=64), nullable=False, server_default='')


def upgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(_kommune())
        batch_op.drop_constraint('uq_match_measure_call', type_='unique')
        batch_op.create_unique_constraint('uq_match_kommune_measure_call', ['kommune', 'measure_id', 'call_id'])
        batch_op.create_index('ix_matches_kommune', ['kommune'], unique=False)
    with op.batch_alter_table('marks', schema=None) as batch_op:
        batch_op.add_column(_kommune())
        batch_op.drop_constraint('uq_mark_measure_call', type_='unique')
        batch_op.create_unique_constraint('uq_mark_kommune_measure_call', ['kommune', 'measure_id', 'call_id'])
        batch_op.create_index('ix_marks_kommune', ['kommune'], unique=False)
    with op.batch_alter_table('sent_digests', schema=None) as batch_op:
        batch_op.add_column(_kommune())
        batch_op.drop_constraint('uq_digest_period_recipient', type_='unique')
        batch_op.create_unique_constraint(
            'uq_digest_kommune_period_recipient', ['kommune', 'period', 'recipient']
        )
    # match_state's primary key grows a column: a new table, the rows copied over.
    op.create_table(
        'match_state_new',
        sa.Column('kommune', sa.String(length=64), nullable=False),
        sa.Column('measure_id', sa.String(length=128), nullable=False),
        sa.Column('inputs', sa.String(length=64), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('computed_at', foerderradar.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column('calls_checked', sa.Integer(), nullable=False),
        sa.Column('calls_skipped', sa.Integer(), nullable=False),
        sa.Column('min_score', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('kommune', 'measure_id', name='pk_match_state'),
    )
    op.execute(
        "INSERT INTO match_state_new (kommune, measure_id, inputs, as_of, computed_at, calls_checked, "
        "calls_skipped, min_score) SELECT '', measure_id, inputs, as_of, computed_at, calls_checked, "
        "calls_skipped, min_score FROM match_state"
    )
    op.drop_table('match_state')
    op.rename_table('match_state_new', 'match_state')


_UNIQUE = (  # table, new constraint, old constraint, old columns
    ('matches', 'uq_match_kommune_measure_call', 'uq_match_measure_call', ['measure_id', 'call_id']),
    ('marks', 'uq_mark_kommune_measure_call', 'uq_mark_measure_call', ['measure_id', 'call_id']),
    ('sent_digests', 'uq_digest_kommune_period_recipient', 'uq_digest_period_recipient', ['period', 'recipient']),
)


def downgrade() -> None:
    """Back to one municipality: refused when the rows belong to several (they would collide)."""
    conn = op.get_bind()
    for table, *_ in _UNIQUE:
        owners = conn.execute(sa.text(f"SELECT COUNT(DISTINCT kommune) FROM {table} WHERE kommune <> ''")).scalar()
        if owners and owners > 1:
            raise RuntimeError(f"{table}: rows of {owners} municipalities; the old schema holds one")
    op.create_table(
        'match_state_old',
        sa.Column('measure_id', sa.String(length=128), nullable=False),
        sa.Column('inputs', sa.String(length=64), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('computed_at', foerderradar.storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column('calls_checked', sa.Integer(), nullable=False),
        sa.Column('calls_skipped', sa.Integer(), nullable=False),
        sa.Column('min_score', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('measure_id'),
    )
    op.execute(
        "INSERT INTO match_state_old (measure_id, inputs, as_of, computed_at, calls_checked, calls_skipped, "
        "min_score) SELECT measure_id, inputs, as_of, computed_at, calls_checked, calls_skipped, min_score "
        "FROM match_state"
    )
    op.drop_table('match_state')
    op.rename_table('match_state_old', 'match_state')
    for table, new, old, columns in _UNIQUE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(new, type_='unique')
            if table != 'sent_digests':
                batch_op.drop_index(f'ix_{table}_kommune')
            batch_op.drop_column('kommune')
            batch_op.create_unique_constraint(old, columns)
