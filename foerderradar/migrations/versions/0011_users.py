"""the web app: users, their sessions, login throttling and the audit log

New tables only; nothing existing changes, so downgrading drops them (and with them every account,
session and audit row — say so before running it).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

import foerderradar.storage.tables

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, foerderradar.storage.tables.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('kommunen', sa.JSON(), nullable=True),
        _ts('created_at'),
        _ts('last_login_at', nullable=True),
        _ts('password_changed_at'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email', name='uq_users_email'),
    )
    op.create_table(
        'web_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        _ts('created_at'),
        _ts('last_seen_at'),
        _ts('expires_at'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)
    op.create_table(
        'login_throttle',
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        _ts('last_failure_at'),
        _ts('locked_until', nullable=True),
        sa.PrimaryKeyConstraint('email'),
    )
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        _ts('at'),
        sa.Column('user_email', sa.String(length=320), nullable=False),
        sa.Column('kommune', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('call_id', sa.String(length=600), nullable=True),
        sa.Column('measure_id', sa.String(length=128), nullable=True),
        sa.Column('details', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_kommune'), ['kommune'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_kommune'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
    op.drop_table('audit_log')
    op.drop_table('login_throttle')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
    op.drop_table('web_sessions')
    op.drop_table('users')
