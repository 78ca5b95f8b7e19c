"""the web app: a per-user secret behind the private calendar subscription address

One nullable column on ``users``: existing accounts keep every value and get their secret the first
time they open the *Fristen* page. Downgrading drops the column, and with it every subscription
address handed out (the calendars stop updating: 404).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-15 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_secret', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('calendar_secret')
