"""instrument versions: published instruments (immutable) and the version in use

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 06:19:57.341469

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('instrument_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_version')),
    sa.UniqueConstraint('code', 'fingerprint', name=op.f('uq_instrument_version_code_fingerprint')),
    sa.UniqueConstraint('code', 'number', name=op.f('uq_instrument_version_code_number'))
    )
    op.create_table('instrument_in_use',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['instrument_version.id'], name=op.f('fk_instrument_in_use_version_id_instrument_version')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_instrument_in_use'))
    )


def downgrade():
    op.drop_table('instrument_in_use')
    op.drop_table('instrument_version')
