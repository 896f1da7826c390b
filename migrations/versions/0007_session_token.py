"""a session token per user, which the session and remember cookies carry instead of the user's id

Logging out, a new password or a deactivation gives the user a new token, and every cookie that
carried the old one stops working. Each existing user gets a random token here, so sessions and
remember cookies from before this migration (which carry the id) end.

Revision ID: 0007_session_token
Revises: 0006
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0007_session_token'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Added NOT NULL with a placeholder, then filled: SQLite cannot make a column NOT NULL later
    # without copying the table (see 0005).
    op.add_column('app_user', sa.Column('session_token', sa.String(length=64), nullable=False, server_default=''))
    bind = op.get_bind()
    ids = bind.execute(sa.text('SELECT id FROM app_user')).scalars().all()
    if ids:
        bind.execute(sa.text('UPDATE app_user SET session_token = :token WHERE id = :id'),
                     [{'id': id_, 'token': secrets.token_urlsafe(32)} for id_ in ids])
    if bind.dialect.name != 'sqlite':
        op.alter_column('app_user', 'session_token', server_default=None)
    op.create_index('ix_app_user_session_token', 'app_user', ['session_token'], unique=True)


def downgrade():
    op.drop_index('ix_app_user_session_token', table_name='app_user')
    op.drop_column('app_user', 'session_token')
