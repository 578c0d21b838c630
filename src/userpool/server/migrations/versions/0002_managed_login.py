"""managed login (OAuth 2.0): domains, resource servers, identity providers, UI customization,
linked provider identities, authorization codes and hosted-UI sessions

Revision ID: 0002_managed_login
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_managed_login'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('identity_providers',
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('provider_type', sa.String(length=32), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('client_secret_sealed', sa.Text(), nullable=True),
    sa.Column('attribute_mapping', sa.JSON(), nullable=False),
    sa.Column('idp_identifiers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('modified_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'name')
    )
    op.create_table('resource_servers',
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('identifier', sa.String(length=256), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('modified_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'identifier')
    )
    op.create_table('ui_customizations',
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('client_id', sa.String(length=128), nullable=False),
    sa.Column('css', sa.Text(), nullable=True),
    sa.Column('image', sa.LargeBinary(), nullable=True),
    sa.Column('image_type', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('modified_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'client_id')
    )
    op.create_table('user_pool_domains',
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('custom', sa.Boolean(), nullable=False),
    sa.Column('certificate_arn', sa.String(length=2048), nullable=True),
    sa.Column('cloudfront_distribution', sa.String(length=255), nullable=False),
    sa.Column('managed_login_version', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('modified_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('domain')
    )
    with op.batch_alter_table('user_pool_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_pool_domains_pool_id'), ['pool_id'], unique=False)

    op.create_table('hosted_sessions',
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('user_sub', sa.String(length=36), nullable=False),
    sa.Column('auth_time', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_sub'], ['users.sub'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_hash')
    )
    with op.batch_alter_table('hosted_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hosted_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hosted_sessions_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hosted_sessions_user_sub'), ['user_sub'], unique=False)

    op.create_table('idp_identifiers',
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('identifier', sa.String(length=40), nullable=False),
    sa.Column('provider_name', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['pool_id', 'provider_name'], ['identity_providers.pool_id', 'identity_providers.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'identifier')
    )
    with op.batch_alter_table('idp_identifiers', schema=None) as batch_op:
        batch_op.create_index('ix_idp_identifiers_provider', ['pool_id', 'provider_name'], unique=False)

    op.create_table('oauth_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('client_id', sa.String(length=128), nullable=False),
    sa.Column('user_sub', sa.String(length=36), nullable=False),
    sa.Column('redirect_uri', sa.Text(), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('nonce', sa.Text(), nullable=True),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=8), nullable=True),
    sa.Column('auth_time', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('used_at', sa.Float(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['app_clients.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_sub'], ['users.sub'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code_hash')
    )
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_codes_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_codes_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_codes_user_sub'), ['user_sub'], unique=False)

    op.create_table('provider_links',
    sa.Column('pool_id', sa.String(length=55), nullable=False),
    sa.Column('provider_name', sa.String(length=32), nullable=False),
    sa.Column('provider_user_id', sa.String(length=2048), nullable=False),
    sa.Column('attribute_name', sa.String(length=256), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['user_pools.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'provider_name', 'provider_user_id')
    )
    with op.batch_alter_table('provider_links', schema=None) as batch_op:
        batch_op.create_index('ix_provider_links_user', ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('provider_links', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_links_user')

    op.drop_table('provider_links')
    with op.batch_alter_table('oauth_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_codes_user_sub'))
        batch_op.drop_index(batch_op.f('ix_oauth_codes_pool_id'))
        batch_op.drop_index(batch_op.f('ix_oauth_codes_expires_at'))
        batch_op.drop_index(batch_op.f('ix_oauth_codes_client_id'))

    op.drop_table('oauth_codes')
    with op.batch_alter_table('idp_identifiers', schema=None) as batch_op:
        batch_op.drop_index('ix_idp_identifiers_provider')

    op.drop_table('idp_identifiers')
    with op.batch_alter_table('hosted_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hosted_sessions_user_sub'))
        batch_op.drop_index(batch_op.f('ix_hosted_sessions_pool_id'))
        batch_op.drop_index(batch_op.f('ix_hosted_sessions_expires_at'))

    op.drop_table('hosted_sessions')
    with op.batch_alter_table('user_pool_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_pool_domains_pool_id'))

    op.drop_table('user_pool_domains')
    op.drop_table('ui_customizations')
    op.drop_table('resource_servers')
    op.drop_table('identity_providers')
