"""the admin console's failed sign-in counts per client address (console/auth.py)

Revision ID: 0008_console
Revises: 0007_devices
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_console'
down_revision = '0007_devices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_sign_in_failures',
        sa.Column('ip', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_failed_at', sa.Float(), nullable=False),
        sa.Column('locked_until', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('ip'),
    )


def downgrade() -> None:
    op.drop_table('console_sign_in_failures')
