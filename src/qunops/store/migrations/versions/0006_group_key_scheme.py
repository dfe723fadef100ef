"""Groups record how their events are keyed: every group stored so far keeps the all-hash key scheme 1.

Event keys now sort the way events arrive (core.keys, scheme 2), which makes the unique index of event
keys cheap to update. Keys already stored cannot be converted (a key of a message id is a hash of an id
that is not stored), so the groups present keep their scheme and the writer keys their new events the old
way; groups created from now on get scheme 2.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a default fills the existing rows without rebuilding the table (on SQLite too,
    # where rebuilding `groups` would cascade to every table that refers to it).
    op.add_column("groups", sa.Column("key_scheme", sa.SmallInteger(), nullable=False, server_default="1"))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of `groups` would cascade on SQLite.
    op.execute("ALTER TABLE groups DROP COLUMN key_scheme")
