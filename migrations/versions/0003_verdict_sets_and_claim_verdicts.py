"""Verdicts kept fresh and adjudications explained: one verdict set per (method,
population) with one row per claim (the vote counts and the verdict that stands),
and what each adjudication replaced.

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verdict_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('include_simulated', sa.Boolean(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('signature', sa.String(length=255), nullable=False),
    sa.Column('model', sa.JSON(), nullable=True),
    sa.Column('model_judgments', sa.Integer(), nullable=True),
    sa.Column('changed_since_fit', sa.Integer(), nullable=False),
    sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict_sets')),
    sa.UniqueConstraint('method', 'include_simulated', name=op.f('uq_verdict_sets_method_include_simulated'))
    )
    op.create_table('adjudication_bases',
    sa.Column('adjudication_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('include_simulated', sa.Boolean(), nullable=False),
    sa.Column('computed_verdict', sa.Enum('confirmed', 'disputed', 'denied', name='computed_verdict', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('support', sa.Double(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('n_judgments', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['adjudication_id'], ['adjudications.id'], name=op.f('fk_adjudication_bases_adjudication_id_adjudications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('adjudication_id', name=op.f('pk_adjudication_bases'))
    )
    op.create_table('claim_verdicts',
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.String(length=100), nullable=False),
    sa.Column('n_confirmed', sa.Integer(), nullable=False),
    sa.Column('n_disputed', sa.Integer(), nullable=False),
    sa.Column('n_denied', sa.Integer(), nullable=False),
    sa.Column('n_judgments', sa.Integer(), nullable=False),
    sa.Column('n_annotators', sa.Integer(), nullable=False),
    sa.Column('n_articles', sa.Integer(), nullable=False),
    sa.Column('computed_verdict', sa.Enum('confirmed', 'disputed', 'denied', name='computed_verdict', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('support', sa.Double(), nullable=True),
    sa.Column('tie', sa.Boolean(), nullable=False),
    sa.Column('verdict', sa.Enum('confirmed', 'disputed', 'denied', name='verdict', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('status', sa.Enum('settled', 'needs adjudication', 'adjudicated', name='verdict_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('adjudication_id', sa.Integer(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adjudication_id'], ['adjudications.id'], name=op.f('fk_claim_verdicts_adjudication_id_adjudications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_verdicts_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_id'], ['verdict_sets.id'], name=op.f('fk_claim_verdicts_set_id_verdict_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('set_id', 'claim_id', name=op.f('pk_claim_verdicts'))
    )
    with op.batch_alter_table('claim_verdicts', schema=None) as batch_op:
        batch_op.create_index('ix_claim_verdicts_set_id_status', ['set_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('claim_verdicts', schema=None) as batch_op:
        batch_op.drop_index('ix_claim_verdicts_set_id_status')

    op.drop_table('claim_verdicts')
    op.drop_table('adjudication_bases')
    op.drop_table('verdict_sets')
