"""What the background sync last found: its last failure, and the state of the webhook
(Label Studio switches a webhook off after failed deliveries), for health and status.

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ls_projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_sync_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('last_sync_failed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('webhook_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('webhook_checked_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('ls_projects', schema=None) as batch_op:
        batch_op.drop_column('webhook_checked_at')
        batch_op.drop_column('webhook_state')
        batch_op.drop_column('last_sync_failed_at')
        batch_op.drop_column('last_sync_error')

