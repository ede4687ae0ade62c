"""Cluster invitations: a cluster manager invites, the organisation accepts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("invited_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["cluster_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cluster_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_invitation_cluster_id"), ["cluster_id"])
        batch_op.create_index(
            batch_op.f("ix_cluster_invitation_organisation_id"), ["organisation_id"]
        )
        batch_op.create_index(batch_op.f("ix_cluster_invitation_status"), ["status"])


def downgrade() -> None:
    op.drop_table("cluster_invitation")
