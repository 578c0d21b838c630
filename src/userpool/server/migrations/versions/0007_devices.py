"""tracked devices (DeviceConfiguration, ConfirmDevice, DEVICE_SRP_AUTH), and the device a
token family was signed in on (the access token's device_key claim)

Revision ID: 0007_devices
Revises: 0005_webauthn
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_devices'
down_revision = '0005_webauthn'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'devices',
        sa.Column('device_key', sa.String(length=64), nullable=False),
        sa.Column('pool_id', sa.String(length=55), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('group_key', sa.String(length=64), nullable=False),
        sa.Column('srp_salt', sa.String(length=80), nullable=True),
        sa.Column('verifier_sealed', sa.Text(), nullable=True),
        sa.Column('remembered', sa.String(length=16), nullable=True),
        sa.Column('name', sa.String(length=1024), nullable=True),
        sa.Column('created_at', sa.Float(), nullable=False),
        sa.Column('modified_at', sa.Float(), nullable=False),
        sa.Column('last_authenticated_at', sa.Float(), nullable=True),
        sa.Column('last_ip', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('device_key'),
    )
    op.create_index('ix_devices_user', 'devices', ['user_id', 'created_at'], unique=False)
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_key', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.drop_column('device_key')
    op.drop_index('ix_devices_user', table_name='devices')
    op.drop_table('devices')
