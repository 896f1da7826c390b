"""the kept tallies of today's rollups and the cooperatives of each area (kecamatan, regency, province)

Revision ID: 0010_area_tally
Revises: 0009_photo_bytes
Create Date: 2026-12-03 04:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = '0010_area_tally'
down_revision = '0009_photo_bytes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_tally',
    sa.Column('area_code', sa.String(length=8), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('assessed', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.BigInteger(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_area_tally_instrument_version_id_instrument_version')),
    sa.PrimaryKeyConstraint('area_code', 'instrument_version_id', name=op.f('pk_area_tally'))
    )
    op.create_table('area_cooperatives',
    sa.Column('area_code', sa.String(length=8), nullable=False),
    sa.Column('cooperatives', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('area_code', name=op.f('pk_area_cooperatives'))
    )
    # A database with cooperatives and approved assessments gets its tallies now, counted by the app's own recount.
    from app.rollups.tallies import rebuild
    rebuild(Session(bind=op.get_bind()))


def downgrade():
    op.drop_table('area_cooperatives')
    op.drop_table('area_tally')
