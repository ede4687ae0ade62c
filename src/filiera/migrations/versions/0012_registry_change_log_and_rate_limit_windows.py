"""The registry change log (what the match index must re-read) and rate-limit windows
shared by every server process.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 04:08:43.102786
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_window",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window", name=op.f("pk_rate_limit_window")),
    )
    op.create_table(
        "registry_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_change")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("registry_change")
    op.drop_table("rate_limit_window")
