"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 05:50:42.439462

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('province',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_province'))
    )
    op.create_table('regency',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_regency_province_code_province')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regency'))
    )
    with op.batch_alter_table('regency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regency_province_code'), ['province_code'], unique=False)

    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('regency_code', sa.String(length=5), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['regency_code'], ['regency.code'], name=op.f('fk_app_user_regency_code_regency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_regency_code'), ['regency_code'], unique=False)

    op.create_table('district',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('regency_code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['regency_code'], ['regency.code'], name=op.f('fk_district_regency_code_regency')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_district'))
    )
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_district_regency_code'), ['regency_code'], unique=False)

    op.create_table('user_district',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_user_district_district_code_district')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_district_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'district_code', name=op.f('pk_user_district'))
    )
    with op.batch_alter_table('user_district', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_district_district_code'), ['district_code'], unique=False)

    op.create_table('village',
    sa.Column('code', sa.String(length=13), nullable=False),
    sa.Column('district_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['district_code'], ['district.code'], name=op.f('fk_village_district_code_district')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_village'))
    )
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_district_code'), ['district_code'], unique=False)

    op.create_table('cooperative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_code', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sk_ahu', sa.String(length=100), nullable=True),
    sa.Column('nib', sa.String(length=13), nullable=True),
    sa.Column('nik', sa.String(length=20), nullable=True),
    sa.Column('founded_on', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('member_count', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('member_count >= 0', name=op.f('ck_cooperative_member_count_not_negative')),
    sa.ForeignKeyConstraint(['village_code'], ['village.code'], name=op.f('fk_cooperative_village_code_village')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperative')),
    sa.UniqueConstraint('village_code', name=op.f('uq_cooperative_village_code'))
    )
    op.create_table('officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_officer_cooperative_id_cooperative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_officer'))
    )
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_cooperative_id'), ['cooperative_id'], unique=False)



def downgrade():
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_cooperative_id'))

    op.drop_table('officer')
    op.drop_table('cooperative')
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_district_code'))

    op.drop_table('village')
    with op.batch_alter_table('user_district', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_district_district_code'))

    op.drop_table('user_district')
    with op.batch_alter_table('district', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_district_regency_code'))

    op.drop_table('district')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_regency_code'))

    op.drop_table('app_user')
    with op.batch_alter_table('regency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regency_province_code'))

    op.drop_table('regency')
    op.drop_table('province')
