"""assessment results as JSONB on PostgreSQL

Rollups and exports read each section's score from assessment.result by path. PostgreSQL parses a
`json` value again for every path read (eight per assessment with the current instrument); `jsonb`
is stored parsed. SQLite keeps its JSON as text, as before: nothing changes there.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('assessment', 'result', type_=postgresql.JSONB(), existing_type=sa.JSON(),
                        postgresql_using='result::jsonb')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('assessment', 'result', type_=sa.JSON(), existing_type=postgresql.JSONB(),
                        postgresql_using='result::json')
