"""The database schema (SQLAlchemy Core). Alembic migrations in `migrations/` must match it.

Times are stored as integer microseconds since the Unix epoch, UTC (`*_us` columns): portable across
SQLite and PostgreSQL, exact, and cheap to write and compare.
Rollup days are the group's local calendar days (SQL DATE).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from qunops.core.keys import KEY_SCHEME

LIFECYCLE_WHERE = "kind <> 'message'"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("language", String(8), nullable=True),  # the console's for everyone; NULL: each browser's
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

workspace_users = Table(
    "workspace_users",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),  # admin / operator / viewer
)

# A console login, one row per browser: the signed cookie carries a random token and this table its
# SHA-256, so logging out, a password change or a removal ends it on the server (a copied cookie is
# refused) and a copy of the database holds no usable token. Rows past `expires_us` are deleted at logins.
login_sessions = Table(
    "login_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Index("ix_login_sessions_user", "user_id"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("name", String(300), nullable=False),
    Column("purpose", Text, nullable=False, default=""),
    Column("group_type", String(32), nullable=False, default="other"),
    Column("duration_kind", String(16), nullable=False, default="long_term"),
    Column("planned_end", Date, nullable=True),
    Column("entry_threshold", String(32), nullable=False, default="none"),
    Column("capacity", Integer, nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("matrix", String(200), nullable=False, default=""),
    Column("tags", JSON, nullable=False, default=list),
    Column("extended_resources", JSON, nullable=False, default=list),
    Column("owner_member_id", Integer, nullable=True),
    Column("created_us", BigInteger, nullable=True),  # the group's creation when a source tells it
    # How its events are keyed (core.keys): groups stored before ordered keys keep scheme 1, which the
    # migration gave every group it found; new groups get the current scheme from the code.
    Column("key_scheme", SmallInteger, nullable=False, default=KEY_SCHEME, server_default="1"),
    UniqueConstraint("workspace_id", "platform", "external_id", name="uq_groups_identity"),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(200), nullable=False),  # platform id, or "name:<display name>"
    Column("display_name", String(300), nullable=False),
    Column("is_bot", Boolean, nullable=False, default=False),
    Column("is_operator", Boolean, nullable=False, default=False),  # the workspace's own accounts
    # Set when an operator merged this member into another (`store/aliases.py: merge_members`): its
    # identity's events are that member's from then on.
    Column("merged_into", Integer, nullable=True),
    UniqueConstraint("workspace_id", "platform", "external_id", name="uq_members_identity"),
)

member_names = Table(
    "member_names",
    metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(300), primary_key=True),
    Column("first_seen_us", BigInteger, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("key", LargeBinary(16), nullable=False),
    Column("ts_us", BigInteger, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("member_id", Integer, nullable=True),
    Column("actor_id", Integer, nullable=True),
    Column("content_type", String(16), nullable=True),
    Column("text", Text, nullable=False, default=""),
    Column("reply_to_key", LargeBinary(16), nullable=True),
    Column("payload", Text, nullable=True),  # JSON: mentions, channel, red-packet details...
    UniqueConstraint("group_id", "key", name="uq_events_group_key"),
    Index("ix_events_group_ts", "group_id", "ts_us"),
    # Joins, leaves, removals, admin changes and renames are few among messages; a partial index of
    # everything that is not a message finds them without scanning a group's history. Its condition is a
    # single comparison on purpose: SQLite evaluates it for every row written, and an IN list made
    # message inserts 25% slower.
    Index(
        "ix_events_lifecycle",
        "group_id",
        "member_id",
        "ts_us",
        sqlite_where=text(LIFECYCLE_WHERE),
        postgresql_where=text(LIFECYCLE_WHERE),
    ),
)

memberships = Table(
    "memberships",
    metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("joined_us", BigInteger, nullable=True),
    Column("left_us", BigInteger, nullable=True),
    Column("inviter_id", Integer, nullable=True),
    Column("join_channel", String(16), nullable=True),
    Column("first_message_us", BigInteger, nullable=True),
    Column("last_message_us", BigInteger, nullable=True),
    Column("messages", Integer, nullable=False, default=0),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("roles", JSON, nullable=False, default=list),  # designated roles set by the operator
)

group_days = Table(
    "group_days",
    metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("member_messages", Integer, nullable=False),
    Column("operator_messages", Integer, nullable=False),
    Column("bot_messages", Integer, nullable=False),
    Column("system_events", Integer, nullable=False),
    Column("speakers", Integer, nullable=False),
    Column("joins", Integer, nullable=False),
    Column("leaves", Integer, nullable=False),
    Column("removals", Integer, nullable=False),
    Column("new_member_speakers", Integer, nullable=False),
    Column("questions", Integer, nullable=False),
    Column("questions_answered", Integer, nullable=False),  # by another member within the answer window
    Column("answer_delays_s", JSON, nullable=False),  # seconds to the answer, per answered question
    Column("red_packets_sent", Integer, nullable=False),
    Column("red_packets_claimed", Integer, nullable=False),
    Column("red_packet_first_claim_s", JSON, nullable=False),  # per packet sent that day
    Column("red_packet_last_claim_s", JSON, nullable=False),
    Column("first_message_us", BigInteger, nullable=True),
    Column("last_message_us", BigInteger, nullable=True),
    Column("hour_counts", JSON, nullable=False),  # 24 member-message counts by local hour
)

member_days = Table(
    "member_days",
    metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("messages", Integer, nullable=False),
    Column("questions", Integer, nullable=False),
    Column("answers", Integer, nullable=False),  # questions of others this member answered
    Column("replies_received", Integer, nullable=False),
    Column("mentions_received", Integer, nullable=False),
    Column("red_packets_claimed", Integer, nullable=False),
    Column("first_message_us", BigInteger, nullable=True),
    Column("last_message_us", BigInteger, nullable=True),
    Index("ix_member_days_member", "member_id", "day"),
    sqlite_with_rowid=False,  # rows clustered by (group, member, day): aggregates read one B-tree
)

fill_state = Table(
    "fill_state",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_event_id", BigInteger, nullable=False),  # every event up to this id is rolled up
    Column("updated_us", BigInteger, nullable=False),
)

# --- The console's own state: alert handling, workspace settings, import jobs. ---

alert_states = Table(
    "alert_states",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("alert_key", String(200), primary_key=True),  # "<group id>:<kind>:<since>", stable per alert
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("acknowledged_us", BigInteger, nullable=True),
    Column("acknowledged_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("snoozed_until_us", BigInteger, nullable=True),
    Column("assignee_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("updated_us", BigInteger, nullable=False),
)

workspace_settings = Table(
    "workspace_settings",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("thresholds", JSON, nullable=False),  # overrides of core.thresholds.Thresholds, by field name
    Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("updated_us", BigInteger, nullable=False),
)

import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("state", String(16), nullable=False),  # queued / running / done / failed
    Column("files", JSON, nullable=False),  # uploaded file names and sizes
    Column("progress", JSON, nullable=False),  # {"file": name, "events": n}
    Column("report", JSON, nullable=True),  # ImportReport.as_json() when done
    Column("error", Text, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("finished_us", BigInteger, nullable=True),
    Index("ix_import_jobs_workspace", "workspace_id", "id"),
)

# --- Moderation: rules, verdicts, cases, reviews, penalties, appeals, actions and the audit log. ---

moderation_rules = Table(
    "moderation_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # "*" for the workspace's defaults, else the group id: one row per scope (NULL is never unique).
    Column("scope", String(32), nullable=False),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=True),
    Column("rules_text", Text, nullable=False),  # what newcomers are shown
    Column("settings", JSON, nullable=False),  # detectors on/off, keyword lists, thresholds, automation
    Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("updated_us", BigInteger, nullable=False),
    UniqueConstraint("workspace_id", "scope", name="uq_moderation_rules_scope"),
)

moderation_state = Table(
    "moderation_state",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("last_event_id", BigInteger, nullable=False),  # every event up to this id has a verdict
    Column("updated_us", BigInteger, nullable=False),
)

moderation_cases = Table(
    "moderation_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", ForeignKey("groups.id", ondelete="SET NULL"), nullable=True),  # first violation's
    Column("categories", JSON, nullable=False),
    Column("summary", Text, nullable=False),
    Column("multi_account", Boolean, nullable=False),  # coordinated accounts: aggravates the penalty
    Column("opened_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),  # NULL: automatic
    Column("opened_us", BigInteger, nullable=False),
    Index("ix_moderation_cases_member", "workspace_id", "member_id"),
)

moderation_flags = Table(
    "moderation_flags",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    Column("case_id", ForeignKey("moderation_cases.id", ondelete="SET NULL"), nullable=True),
    Column("ts_us", BigInteger, nullable=False),  # the message's time, for burst counts by period
    Column("score", Float, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("findings", JSON, nullable=False),  # rule, category, severity, evidence, explanation
    Column("spam_probability", Float, nullable=True),
    Column("features", JSON, nullable=False),  # the classifier's strongest n-grams, signed
    Column("reasons", JSON, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_moderation_flags_workspace_ts", "workspace_id", "ts_us"),
)

moderation_reviews = Table(
    "moderation_reviews",
    metadata,
    Column("case_id", ForeignKey("moderation_cases.id", ondelete="CASCADE"), primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),  # pending / confirmed / overturned
    Column("reviewer_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("reason", Text, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("decided_us", BigInteger, nullable=True),
    Index("ix_moderation_reviews_state", "workspace_id", "state"),
)

moderation_labels = Table(
    "moderation_labels",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("text_key", Text, nullable=False),  # the text after normalisation (classifier override key)
    Column("text", Text, nullable=False),
    Column("is_spam", Boolean, nullable=False),
    Column("case_id", ForeignKey("moderation_cases.id", ondelete="SET NULL"), nullable=True),
    Column("decided_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("decided_us", BigInteger, nullable=False),
    Index("ix_moderation_labels_workspace", "workspace_id", "id"),
)

spam_models = Table(
    "spam_models",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("model", LargeBinary, nullable=False),  # SpamClassifier.save() bytes; written only by qunops
    Column("source", Text, nullable=False),  # where its training data came from
    Column("labels_through", Integer, nullable=False),  # moderation_labels ids up to here are trained in
    Column("trained_us", BigInteger, nullable=False),
)

penalties = Table(
    "penalties",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("moderation_cases.id", ondelete="SET NULL"), nullable=True),
    Column("step", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # warning / mute / removal
    Column("starts_us", BigInteger, nullable=False),
    Column("ends_us", BigInteger, nullable=True),  # end of a mute
    Column("private", Boolean, nullable=False),
    Column("skipped", Integer, nullable=False),  # extra steps for aggravation
    Column("explanation", Text, nullable=False),
    Column("lifted_us", BigInteger, nullable=True),
    Column("lifted_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("issued_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Index("ix_penalties_member", "workspace_id", "member_id"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("moderation_cases.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("token", String(64), nullable=False, unique=True),  # the member's secret link
    Column("state", String(16), nullable=False),  # open / filed / upheld / rejected / closed (unused)
    Column("statement", Text, nullable=True),
    Column("filed_us", BigInteger, nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("decided_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("decided_us", BigInteger, nullable=True),
    Column("created_us", BigInteger, nullable=False),
)

actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), nullable=True),
    Column("member_id", ForeignKey("members.id", ondelete="SET NULL"), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_by", String(200), nullable=False),  # "user:<name>", "system:moderation", ...
    Column("via", String(64), nullable=False),  # "recommendation" or the gateway's name
    Column("state", String(16), nullable=False),  # recommended / done / failed
    Column("error", Text, nullable=True),
    Column("created_us", BigInteger, nullable=False),
    Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("updated_us", BigInteger, nullable=True),
    Index("ix_actions_workspace_state", "workspace_id", "state"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("ts_us", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),  # "user:<name>", "member:<id>", "system:<job>"
    Column("actor_user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(64), nullable=False),  # "case.open", "penalty.apply", "action.mute", ...
    Column("subject", String(64), nullable=False),  # "case:12", "member:7", "rules:*"
    Column("reason", Text, nullable=False),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Index("ix_audit_log_workspace", "workspace_id", "id"),
)
