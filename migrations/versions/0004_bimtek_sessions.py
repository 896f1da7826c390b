"""bimtek sessions: training days and the kecamatan each covers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 07:43:29.277511

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bimtek_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regency_code', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['regency_code'], ['regency.code'], name=op.f('fk_bimtek_session_regency_code_regency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bimtek_session'))
    )
    with op.batch_alter_table('bimtek_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bimtek_session_regency_code'), ['regency_code'], unique=False)

    op.create_table('bimtek_district',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_bimtek_district_district_code_district')),
    sa.ForeignKeyConstraint(['session_id'], ['bimtek_session.id'], name=op.f('fk_bimtek_district_session_id_bimtek_session')),
    sa.PrimaryKeyConstraint('session_id', 'district_code', name=op.f('pk_bimtek_district'))
    )


def downgrade():
    op.drop_table('bimtek_district')
    with op.batch_alter_table('bimtek_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bimtek_session_regency_code'))

    op.drop_table('bimtek_session')
