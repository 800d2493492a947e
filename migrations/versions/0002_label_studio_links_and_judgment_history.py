"""Label Studio links and judgment history: one judgment per claim of an annotation
(rejected ones kept without a mention), what each update replaced, the claim order
of each task, and the sync watermark of each project.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('judgment_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('judgment_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.Enum('confirmed', 'disputed', 'denied', name='verdict', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('active', 'skipped', 'deleted', 'rejected', name='judgment_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('ls_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['judgment_id'], ['judgments.id'], name=op.f('fk_judgment_revisions_judgment_id_judgments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judgment_revisions'))
    )
    with op.batch_alter_table('judgment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgment_revisions_judgment_id'), ['judgment_id'], unique=False)

    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ls_task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claim_index', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ls_updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('mention_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_constraint(batch_op.f('uq_judgments_ls_annotation_id_mention_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_judgments_ls_task_id'), ['ls_task_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_judgments_ls_annotation_id_claim_index'), ['ls_annotation_id', 'claim_index'])

    with op.batch_alter_table('ls_projects', schema=None) as batch_op:
        # No project was ever pushed before this revision, so the table is empty.
        batch_op.add_column(sa.Column('project_key', sa.String(length=100), nullable=False))
        batch_op.add_column(sa.Column('webhook_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('synced_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('base_url',
               existing_type=sa.TEXT(),
               type_=sa.String(length=255),
               existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_ls_projects_ls_project_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_ls_projects_base_url_ls_project_id'), ['base_url', 'ls_project_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_ls_projects_project_key'), ['project_key'])

    with op.batch_alter_table('ls_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mention_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.drop_constraint(batch_op.f('uq_ls_tasks_ls_task_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_ls_tasks_project_id_ls_task_id'), ['project_id', 'ls_task_id'])



def downgrade() -> None:
    with op.batch_alter_table('ls_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ls_tasks_project_id_ls_task_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_ls_tasks_ls_task_id'), ['ls_task_id'])
        batch_op.drop_column('mention_ids')

    with op.batch_alter_table('ls_projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ls_projects_project_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_ls_projects_base_url_ls_project_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_ls_projects_ls_project_id'), ['ls_project_id'])
        batch_op.alter_column('base_url',
               existing_type=sa.String(length=255),
               type_=sa.TEXT(),
               existing_nullable=False)
        batch_op.drop_column('synced_until')
        batch_op.drop_column('webhook_id')
        batch_op.drop_column('project_key')

    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_judgments_ls_annotation_id_claim_index'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_judgments_ls_task_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_judgments_ls_annotation_id_mention_id'), ['ls_annotation_id', 'mention_id'])
        batch_op.alter_column('mention_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('ls_updated_at')
        batch_op.drop_column('claim_index')
        batch_op.drop_column('ls_task_id')

    with op.batch_alter_table('judgment_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgment_revisions_judgment_id'))

    op.drop_table('judgment_revisions')
