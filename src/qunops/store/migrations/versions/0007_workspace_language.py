"""Workspaces may set the console's language for everyone in them (NULL: each browser's own).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable ADD COLUMN changes no existing row and rebuilds nothing (on SQLite, rebuilding
    # `workspaces` would cascade to every table that refers to it).
    op.add_column("workspaces", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE workspaces DROP COLUMN language")
