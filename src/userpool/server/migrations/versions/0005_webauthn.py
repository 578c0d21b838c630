"""passkeys (WebAuthn): registered credentials and started registrations

Revision ID: 0005_webauthn
Revises: 0003_oauth_scopes
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_webauthn'
down_revision = '0003_oauth_scopes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('webauthn_credentials',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('user_sub', sa.String(length=36), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('rp_id', sa.String(length=253), nullable=False),
    sa.Column('friendly_name', sa.String(length=256), nullable=True),
    sa.Column('transports', sa.JSON(), nullable=False),
    sa.Column('authenticator_attachment', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('last_used_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_sub'], ['users.sub'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pool_id', 'credential_id', name='uq_webauthn_credentials_pool_credential')
    )
    with op.batch_alter_table('webauthn_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webauthn_credentials_user_sub'), ['user_sub'], unique=False)

    op.create_table('webauthn_registrations',
    sa.Column('user_sub', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=128), nullable=False),
    sa.Column('challenge_hash', sa.String(length=64), nullable=False),
    sa.Column('rp_id', sa.String(length=253), nullable=False),
    sa.Column('user_verification', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['user_sub'], ['users.sub'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_sub')
    )
    with op.batch_alter_table('webauthn_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webauthn_registrations_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webauthn_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_registrations_expires_at'))
    op.drop_table('webauthn_registrations')
    with op.batch_alter_table('webauthn_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webauthn_credentials_user_sub'))
    op.drop_table('webauthn_credentials')
