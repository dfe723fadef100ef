"""console state: alert handling, workspace settings, import jobs

Revision ID: 0002_console
Revises: 0001
Create Date: 2026-11-26 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_console"
down_revision = "0001"
branch_labels = None
depends_on = None


def _users_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def _workspace_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("finished_us", sa.BigInteger(), nullable=True),
        _users_fk("user_id", "import_jobs"),
        _workspace_fk("import_jobs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index("ix_import_jobs_workspace", "import_jobs", ["workspace_id", "id"], unique=False)
    op.create_table(
        "workspace_settings",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        _users_fk("updated_by", "workspace_settings"),
        _workspace_fk("workspace_settings"),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_settings")),
    )
    op.create_table(
        "alert_states",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("alert_key", sa.String(length=200), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_us", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("snoozed_until_us", sa.BigInteger(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        _users_fk("acknowledged_by", "alert_states"),
        _users_fk("assignee_id", "alert_states"),
        _users_fk("updated_by", "alert_states"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_alert_states_group_id_groups"), ondelete="CASCADE"
        ),
        _workspace_fk("alert_states"),
        sa.PrimaryKeyConstraint("workspace_id", "alert_key", name=op.f("pk_alert_states")),
    )


def downgrade() -> None:
    op.drop_table("alert_states")
    op.drop_table("workspace_settings")
    op.drop_index("ix_import_jobs_workspace", table_name="import_jobs")
    op.drop_table("import_jobs")
