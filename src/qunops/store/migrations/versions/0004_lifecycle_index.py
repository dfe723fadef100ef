"""A partial index of the events that are not messages (joins, leaves, removals, admin changes, renames...)

Revision ID: 0004
Revises: 0003_moderation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_moderation"
branch_labels = None
depends_on = None

WHERE = "kind <> 'message'"


def upgrade() -> None:
    op.create_index(
        "ix_events_lifecycle",
        "events",
        ["group_id", "member_id", "ts_us"],
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_events_lifecycle", table_name="events")
