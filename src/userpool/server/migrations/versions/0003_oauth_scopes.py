"""token families remember the OAuth 2.0 scopes their managed-login sign-in was granted,
so that refreshed tokens keep them

Revision ID: 0003_oauth_scopes
Revises: 0002_managed_login
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_oauth_scopes'
down_revision = '0002_managed_login'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('token_families', schema=None) as batch_op:
        batch_op.drop_column('scopes')
