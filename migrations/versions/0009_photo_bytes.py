"""photo bytes in the database: every app server sees every photo, kept in one transaction with its row

Revision ID: 0009_photo_bytes
Revises: 0008_training_loop
Create Date: 2026-12-03 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_photo_bytes'
down_revision = '0008_training_loop'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_bytes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('jpeg', sa.LargeBinary(), nullable=False),
    sa.Column('thumb', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade():
    op.drop_table('photo_bytes')
