"""A member found to be another member of the same platform (merged by an operator) points to them.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable ADD COLUMN changes no existing row and rebuilds nothing (rebuilding `members` on SQLite
    # would cascade to every table that refers to it).
    op.add_column("members", sa.Column("merged_into", sa.Integer, nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE members DROP COLUMN merged_into")
