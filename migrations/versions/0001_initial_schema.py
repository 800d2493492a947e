"""Initial schema: articles and revisions, claims, mentions, annotators, judgments,
adjudications and the Label Studio links.

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annotators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('ls_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotators')),
    sa.UniqueConstraint('email', name=op.f('uq_annotators_email')),
    sa.UniqueConstraint('ls_user_id', name=op.f('uq_annotators_ls_user_id'))
    )
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('external_id', name=op.f('uq_articles_external_id'))
    )
    op.create_table('claims',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=True),
    sa.Column('story', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims'))
    )
    op.create_table('ls_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ls_project_id', sa.Integer(), nullable=False),
    sa.Column('base_url', sa.Text(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('config_hash', sa.String(length=64), nullable=False),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ls_projects')),
    sa.UniqueConstraint('ls_project_id', name=op.f('uq_ls_projects_ls_project_id'))
    )
    op.create_table('article_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('outlet', sa.String(length=255), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('dateline_place', sa.String(length=255), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('published_year_inferred', sa.Boolean(), nullable=False),
    sa.Column('published_text', sa.String(length=255), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('raw_text', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('removed', sa.JSON(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_revisions_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_revisions')),
    sa.UniqueConstraint('article_id', 'content_hash', name=op.f('uq_article_revisions_article_id_content_hash')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_article_revisions_article_id_number'))
    )
    op.create_table('ls_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('ls_task_id', sa.Integer(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['ls_projects.id'], name=op.f('fk_ls_tasks_project_id_ls_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['article_revisions.id'], name=op.f('fk_ls_tasks_revision_id_article_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ls_tasks')),
    sa.UniqueConstraint('ls_task_id', name=op.f('uq_ls_tasks_ls_task_id')),
    sa.UniqueConstraint('project_id', 'revision_id', name=op.f('uq_ls_tasks_project_id_revision_id'))
    )
    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.String(length=100), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.Enum('catalogue', 'suggested', 'annotator', name='mention_origin', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('accepted', 'rejected', 'pending', name='mention_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('dedup_key', sa.String(length=120), nullable=False),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('quotes', sa.JSON(), nullable=False),
    sa.Column('match_method', sa.String(length=16), nullable=True),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=255), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_mentions_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['article_revisions.id'], name=op.f('fk_mentions_revision_id_article_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions')),
    sa.UniqueConstraint('revision_id', 'origin', 'dedup_key', name=op.f('uq_mentions_revision_id_origin_dedup_key'))
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentions_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentions_revision_id'), ['revision_id'], unique=False)

    op.create_table('adjudications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.String(length=100), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.Enum('confirmed', 'disputed', 'denied', name='verdict', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('adjudicator', sa.String(length=255), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_adjudications_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name=op.f('fk_adjudications_mention_id_mentions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaces_id'], ['adjudications.id'], name=op.f('fk_adjudications_replaces_id_adjudications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjudications'))
    )
    with op.batch_alter_table('adjudications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjudications_claim_id'), ['claim_id'], unique=False)

    op.create_table('judgments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mention_id', sa.Integer(), nullable=False),
    sa.Column('annotator_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.Enum('confirmed', 'disputed', 'denied', name='verdict', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('active', 'skipped', 'deleted', 'rejected', name='judgment_state', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('ls_annotation_id', sa.Integer(), nullable=True),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['annotator_id'], ['annotators.id'], name=op.f('fk_judgments_annotator_id_annotators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name=op.f('fk_judgments_mention_id_mentions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judgments')),
    sa.UniqueConstraint('ls_annotation_id', 'mention_id', name=op.f('uq_judgments_ls_annotation_id_mention_id'))
    )
    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judgments_annotator_id'), ['annotator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_judgments_mention_id'), ['mention_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judgments_mention_id'))
        batch_op.drop_index(batch_op.f('ix_judgments_annotator_id'))

    op.drop_table('judgments')
    with op.batch_alter_table('adjudications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjudications_claim_id'))

    op.drop_table('adjudications')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_revision_id'))
        batch_op.drop_index(batch_op.f('ix_mentions_claim_id'))

    op.drop_table('mentions')
    op.drop_table('ls_tasks')
    op.drop_table('article_revisions')
    op.drop_table('ls_projects')
    op.drop_table('claims')
    op.drop_table('articles')
    op.drop_table('annotators')
