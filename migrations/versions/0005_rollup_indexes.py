"""rollups at national scale: when each assessment reached its status, and two covering indexes

- assessment.status_at, filled from each assessment's last transition in its history: with the
  index on (status, cooperative, status_at, visit date), rollups as of today read no history.
- an index on the history's (assessment, target, time, id): rollups as of an earlier date read each
  assessment's last transition before then from the index alone.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_event', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_event_state', ['assessment_id', 'target', 'at', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_assessment_event_assessment_id'))
    # Added NOT NULL with a placeholder default, then filled: SQLite cannot make a column NOT NULL later
    # without copying the table, which its foreign keys forbid here.
    op.add_column('assessment', sa.Column('status_at', sa.DateTime(timezone=True), nullable=False,
                                          server_default='1970-01-01 00:00:00'))
    op.execute("""UPDATE assessment SET status_at = COALESCE(
        (SELECT e.at FROM assessment_event e WHERE e.assessment_id = assessment.id AND e.target IS NOT NULL
         ORDER BY e.id DESC LIMIT 1), updated_at)""")
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('assessment', 'status_at', server_default=None)
    op.create_index('ix_assessment_counted', 'assessment', ['status', 'cooperative_id', 'status_at', 'visit_date', 'id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_assessment_counted', table_name='assessment')
    op.drop_column('assessment', 'status_at')
    with op.batch_alter_table('assessment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_event_assessment_id'), ['assessment_id'], unique=False)
        batch_op.drop_index('ix_assessment_event_state')
