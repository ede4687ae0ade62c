"""Sign-in back-off per (account, client address); account-wide lock-outs are lifted.

The `app_user.failed_sign_ins` and `locked_until` columns stay (no longer read or written);
their values are reset so no account stays locked by the old rule.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_backoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_sign_in_backoff_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_backoff")),
        sa.UniqueConstraint("user_id", "address", name=op.f("uq_sign_in_backoff_user_id_address")),
    )
    op.execute("UPDATE app_user SET failed_sign_ins = 0, locked_until = NULL")


def downgrade() -> None:
    op.drop_table("sign_in_backoff")
