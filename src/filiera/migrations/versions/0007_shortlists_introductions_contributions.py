"""Shortlists of match results, introduction requests, and each participant's own contribution.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shortlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=False),
        sa.Column("shared_with_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["app_user.id"],
            name=op.f("fk_shortlist_owner_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_with_id"],
            ["organisation.id"],
            name=op.f("fk_shortlist_shared_with_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist")),
    )
    op.create_index(op.f("ix_shortlist_owner_user_id"), "shortlist", ["owner_user_id"])
    op.create_index(op.f("ix_shortlist_shared_with_id"), "shortlist", ["shared_with_id"])
    op.create_table(
        "shortlist_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortlist_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shortlist_id"],
            ["shortlist.id"],
            name=op.f("fk_shortlist_entry_shortlist_id_shortlist"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_shortlist_entry_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortlist_entry")),
        sa.UniqueConstraint(
            "shortlist_id",
            "organisation_id",
            name=op.f("uq_shortlist_entry_shortlist_id_organisation_id"),
        ),
    )
    op.create_index(op.f("ix_shortlist_entry_shortlist_id"), "shortlist_entry", ["shortlist_id"])
    op.create_index(
        op.f("ix_shortlist_entry_organisation_id"), "shortlist_entry", ["organisation_id"]
    )
    op.create_table(
        "introduction_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("from_org_id", sa.Integer(), nullable=True),
        sa.Column("to_org_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["app_user.id"],
            name=op.f("fk_introduction_request_requester_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organisation.id"],
            name=op.f("fk_introduction_request_from_org_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"],
            ["organisation.id"],
            name=op.f("fk_introduction_request_to_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introduction_request")),
    )
    for column in ("requester_id", "from_org_id", "to_org_id", "status"):
        op.create_index(op.f(f"ix_introduction_request_{column}"), "introduction_request", [column])
    with op.batch_alter_table("participation") as batch:
        batch.add_column(sa.Column("contribution", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participation") as batch:
        batch.drop_column("contribution")
    op.drop_table("introduction_request")
    op.drop_table("shortlist_entry")
    op.drop_table("shortlist")
