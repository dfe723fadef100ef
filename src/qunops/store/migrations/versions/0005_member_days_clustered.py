"""On SQLite, member_days becomes a WITHOUT ROWID table: rows stored in primary-key order.

The analytics read a member's days by (group, member) and aggregate their counts; clustered rows are
read straight from the one B-tree instead of through the key index and then the table (a daily update
over a year of history read them about a quarter faster). PostgreSQL is unchanged.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _recreate(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "member_days", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ) as batch:
        batch.alter_column("messages", existing_nullable=False)  # any op: the table is rebuilt whole


def upgrade() -> None:
    _recreate(with_rowid=False)


def downgrade() -> None:
    _recreate(with_rowid=True)
