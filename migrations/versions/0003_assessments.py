"""assessments: visits answered with an instrument version, their answers, notes, photos and history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 06:35:54.662857

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('facilitator_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_assessment_cooperative_id_cooperative')),
    sa.ForeignKeyConstraint(['facilitator_id'], ['app_user.id'], name=op.f('fk_assessment_facilitator_id_app_user')),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_version.id'], name=op.f('fk_assessment_instrument_version_id_instrument_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment'))
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_facilitator_id'), ['facilitator_id'], unique=False)

    op.create_table('assessment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=True),
    sa.Column('target', sa.String(length=20), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('question_comments', sa.JSON(), nullable=True),
    sa.Column('question_code', sa.String(length=40), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_event_assessment_id_assessment')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_assessment_event_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_event'))
    )
    with op.batch_alter_table('assessment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_event_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('answer',
    sa.Column('assessment_id', sa.Uuid(), nullable=False),
    sa.Column('question_code', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('not_applicable', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_ts', sa.BigInteger(), nullable=False),
    sa.Column('client_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_answer_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('assessment_id', 'question_code', name=op.f('pk_answer'))
    )
    op.create_table('photo',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('assessment_id', sa.Uuid(), nullable=False),
    sa.Column('question_code', sa.String(length=40), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_photo_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo'))
    )
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('section_note',
    sa.Column('assessment_id', sa.Uuid(), nullable=False),
    sa.Column('section_code', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_ts', sa.BigInteger(), nullable=False),
    sa.Column('client_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_section_note_assessment_id_assessment')),
    sa.PrimaryKeyConstraint('assessment_id', 'section_code', name=op.f('pk_section_note'))
    )


def downgrade():
    op.drop_table('section_note')
    with op.batch_alter_table('photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_assessment_id'))

    op.drop_table('photo')
    op.drop_table('answer')
    with op.batch_alter_table('assessment_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_event_assessment_id'))

    op.drop_table('assessment_event')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_facilitator_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_cooperative_id'))

    op.drop_table('assessment')
