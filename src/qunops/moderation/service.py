"""Moderation over the store: one function per operation, each doing lookup, write, audit and actions.

Operations (Zulip-style action functions; callers never write moderation tables themselves):
`moderate_new_events` (verdicts for events not yet moderated, cases for what is flagged), `open_case`,
`review` (confirm or overturn a pending case, or overturn a confirmed one found wrong later; the
decision becomes a moderator label the classifier learns from),
`apply_penalty` (the next step of the ladder, carried out through the action port), `file_appeal`
(the member, through the secret link), `decide_appeal` (in the member's favour the penalty is lifted
through the action port and the member notified through it), `update_rules`, `member_standing`.

Every function takes the time as `now` (an injected clock): the ladder's aggravation window and
forgiveness after 90 clean days are evaluated at that time, so tests run on a fixed clock.

**Which spam classifier runs** (`load_classifier`), in order:
1. the workspace's stored model (`spam_models`), with moderator labels newer than it applied as exact-text
   overrides at once and trained in by the next `moderate_new_events` (a batch retrain, not one per click);
2. else, on first use, a model trained from labelled data the caller points at (`qunops moderate
   --train-from DIR`: CSV/TSV files with label,text, or the shared spam datasets' folder layout) plus the
   workspace's labels, stored for next time; `--model FILE` installs a model from `qunops spam train`;
3. else, once reviews have produced both spam and ham labels, a model trained from those labels alone;
4. else (a fresh install): the rules alone, with moderators' decisions applied as exact-text overrides.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy import text as sql_text

from qunops.actions import (
    EXPORT_ONLY,
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ActionState,
    Actor,
    Ports,
    audit,
    request_action,
)
from qunops.actions.ports import actions_for_member, withdraw_recommendations
from qunops.core.events import ContentType, EventKind
from qunops.core.texts import Text, listing
from qunops.core.time import from_us, to_us
from qunops.moderation import store
from qunops.moderation.classifier import ModelFormatError, SpamClassifier, override_key
from qunops.moderation.detectors import (
    BaitContentDetector,
    ContactDetector,
    CrossGroupDuplicateDetector,
    Detector,
    FloodDetector,
    KeywordDetector,
    LinkDetector,
    MentionSpamDetector,
    NewcomerDetector,
)
from qunops.moderation.findings import PolicyCategory, Severity
from qunops.moderation.ladder import (
    COORDINATED,
    Aggravation,
    LadderPolicy,
    Penalty,
    PenaltyKind,
    current_step,
    lift,
    next_penalty,
)
from qunops.moderation.message import MemberStanding, Message, ModerationContext, RecentActivity
from qunops.moderation.store import flagged_counts as flagged_counts
from qunops.moderation.store import flagged_on_day as flagged_on_day
from qunops.moderation.verdict import Moderator, Verdict
from qunops.store.schema import LIFECYCLE_WHERE, events, groups, member_days, members, memberships

log = logging.getLogger(__name__)

SYSTEM = Actor.system("moderation")
MAX_STATEMENT = 4000
MAX_REASON = 2000


# The reasons moderation gives its own steps in the audit log (people's steps carry their own words).
RULES_EDITED = Text("rules edited")
MORE_EVIDENCE = Text("more flagged messages")
APPEAL_FILED = Text("appeal filed by the member")
# What the appeal link says once the moderators overturned the case themselves.
LIFTED_NOTHING_TO_APPEAL = Text(
    "the decision was overturned and the penalty lifted: there is nothing to appeal"
)
# What the appeal page says when the moderators rejected the appeal and overturned the case later.
OVERTURNED_AFTER_APPEAL = Text("the moderators overturned the decision later and lifted the penalty")
AUDIT_REASONS = (RULES_EDITED, MORE_EVIDENCE, APPEAL_FILED)


def upheld_review(reason: str) -> Text:
    """The review reason of a case overturned because its appeal was upheld for `reason`."""
    return Text("appeal upheld: {reason}", reason=reason)


class ModerationError(Exception):
    """A request moderation cannot carry out; the message says what and why, for the user who asked."""

    @property
    def message(self) -> str:
        """The message as written: a `Text` where it is the code's own sentence, which the console shows
        in its language (`str(error)` would be the English only)."""
        first = self.args[0] if self.args else ""
        return first if isinstance(first, str) else str(self)


class NotFound(ModerationError):
    """No such case, appeal or member in this workspace (or a wrong appeal link)."""


# --- rules --------------------------------------------------------------------------------------------

DETECTORS = ("keyword", "contact", "link", "bait", "flood", "duplicate", "newcomer", "mentions", "classifier")
DEFAULT_RULES_TEXT = (
    "Welcome! Please keep this group useful for everyone: no ads, no contact solicitation or links to other "
    "groups, no insults, no vulgar content, no rumours. Breaking the rules leads to a warning, then mutes "
    "of 1, 7 and 15 days, then removal from all our groups. Every penalty can be appealed."
)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The tunable part of a group's rules (stored as JSON; missing keys take these defaults)."""

    detectors: Mapping[str, bool] = field(default_factory=lambda: dict.fromkeys(DETECTORS, True))
    blocked_keywords: tuple[str, ...] = ()  # extra phrases; "phrase" or "phrase | category"
    allowed_domains: tuple[str, ...] = ()  # the workspace's own sites: links to them are never reported
    flag_at: float = 0.6  # verdict score that flags a message
    flood_limit: int = 6  # messages within 20 seconds
    mention_limit: int = 5
    newcomer_hours: int = 24
    auto_penalty: bool = False  # apply the ladder as soon as a case opens, before review
    private_warnings: bool = False  # deliver penalties by direct message instead of a notice in the group

    def enabled(self, detector: str) -> bool:
        return bool(self.detectors.get(detector, True))

    def as_json(self) -> dict[str, Any]:
        return {
            "detectors": {name: self.enabled(name) for name in DETECTORS},
            "blocked_keywords": list(self.blocked_keywords),
            "allowed_domains": list(self.allowed_domains),
            "flag_at": self.flag_at,
            "flood_limit": self.flood_limit,
            "mention_limit": self.mention_limit,
            "newcomer_hours": self.newcomer_hours,
            "auto_penalty": self.auto_penalty,
            "private_warnings": self.private_warnings,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], base: RuleSettings | None = None) -> RuleSettings:
        """Validated settings; keys absent from `data` come from `base` (the workspace's, for a group).

        Keyword and domain lists add up: a group's list extends the workspace's.
        """
        start = base or cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ModerationError(
                Text(
                    "unknown rule setting {name!r} (known: {known})",
                    name=unknown[0],
                    known=", ".join(sorted(known)),
                )
            )
        values: dict[str, Any] = {}
        if "detectors" in data:
            given = data["detectors"]
            if not isinstance(given, Mapping) or any(k not in DETECTORS for k in given):
                raise ModerationError(
                    Text("detectors: a mapping of {names} to true/false", names=", ".join(DETECTORS))
                )
            values["detectors"] = {**start.detectors, **{k: bool(v) for k, v in given.items()}}
        for name in ("blocked_keywords", "allowed_domains"):
            if name in data:
                items = data[name]
                if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                    raise ModerationError(Text("{name}: a list of texts", name=name))
                extra = [i.strip() for i in items if i.strip()]
                values[name] = tuple(dict.fromkeys([*getattr(start, name), *extra]))
        for name, kind, low, high in (
            ("flag_at", float, 0.05, 1.0),
            ("flood_limit", int, 2, 1000),
            ("mention_limit", int, 2, 1000),
            ("newcomer_hours", int, 0, 24 * 90),
        ):
            if name in data:
                try:
                    number = kind(data[name])
                except (TypeError, ValueError):
                    raise ModerationError(
                        Text("{name}: a number from {low} to {high}", name=name, low=low, high=high)
                    ) from None
                if not low <= number <= high:
                    raise ModerationError(
                        Text(
                            "{name}: {number} is outside {low} to {high}",
                            name=name,
                            number=number,
                            low=low,
                            high=high,
                        )
                    )
                values[name] = number
        for name in ("auto_penalty", "private_warnings"):
            if name in data:
                values[name] = bool(data[name])
        for phrase in values.get("blocked_keywords", ()):
            _keyword_entry(phrase)  # validates the category
        return replace(start, **values)


@dataclass(frozen=True, slots=True)
class GroupRules:
    rules_text: str
    settings: RuleSettings
    own: bool  # the group has rules of its own (else the workspace's apply)


def rules_for(connection: Connection, workspace_id: int, group_id: int | None) -> GroupRules:
    """The rules that apply: the group's own on top of the workspace's, on top of the defaults."""
    rows = store.rules_rows(connection, workspace_id)
    return _merged(rows, group_id)


def _merged(rows: Mapping[str, store.RulesRow], group_id: int | None) -> GroupRules:
    base = rows.get(store.WORKSPACE_SCOPE)
    settings = RuleSettings.from_json(base.settings) if base else RuleSettings()
    text = base.rules_text if base else DEFAULT_RULES_TEXT
    own = rows.get(store.scope_of(group_id)) if group_id is not None else None
    if own is not None:
        settings = RuleSettings.from_json(own.settings, settings)
        text = own.rules_text or text
    return GroupRules(text, settings, own is not None)


def update_rules(
    connection: Connection,
    workspace_id: int,
    group_id: int | None,
    rules_text: str,
    settings: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    reason: str = "",
) -> GroupRules:
    """Store the rules of the workspace (group_id None) or of one group, validated, with an audit entry.
    Rules that change nothing store nothing: a group following the workspace's rules keeps following
    them (it gets rules of its own only where they differ)."""
    if group_id is not None and store.group_in_workspace(connection, workspace_id, group_id) is None:
        raise NotFound(f"no group {group_id} in this workspace")
    text = rules_text.strip()
    if len(text) > 10_000:
        raise ModerationError(Text("the rules text is longer than 10,000 characters"))
    rows = store.rules_rows(connection, workspace_id)
    if group_id is None:
        parsed = RuleSettings.from_json(settings)  # validates
        stored = parsed.as_json()
    else:
        RuleSettings.from_json(settings, _merged(rows, None).settings)  # validates against the workspace's
        stored = dict(settings)
    scope = store.scope_of(group_id)
    before = rows.get(scope)
    if before is not None and (before.rules_text, before.settings) == (text, stored):
        return _merged(rows, group_id)  # nothing changes
    if before is None and group_id is not None:
        # A group that follows the workspace's rules gets rules of its own only when they differ.
        current = _merged(rows, group_id)
        given = _merged({**rows, scope: store.RulesRow(scope, group_id, text, stored, None, 0)}, group_id)
        if (given.rules_text, given.settings) == (current.rules_text, current.settings):
            return current
    store.put_rules(connection, workspace_id, group_id, text, stored, actor.user_id, now)
    audit(
        connection,
        workspace_id,
        actor,
        "rules.update",
        f"rules:{scope}",
        reason or RULES_EDITED,
        now,
        before={"rules_text": before.rules_text, "settings": before.settings} if before else None,
        after={"rules_text": text, "settings": stored},
    )
    return rules_for(connection, workspace_id, group_id)


def _keyword_entry(phrase: str) -> tuple[str, PolicyCategory, Severity, str]:
    text, _, category = phrase.partition("|")
    name = category.strip().lower() or PolicyCategory.SPAM_ADS.value
    try:
        cat = PolicyCategory(name)
    except ValueError:
        known = ", ".join(c.value for c in PolicyCategory)
        raise ModerationError(
            f"blocked keyword {phrase!r}: unknown category {name!r} (known: {known})"
        ) from None
    return (text.strip(), cat, Severity.HIGH, "on this group's blocked list")


@lru_cache(maxsize=1)
def _default_keywords() -> KeywordDetector:
    # Building the default Aho-Corasick automaton is the costly part of a rule set; it holds no state.
    return KeywordDetector()


def build_detectors(settings: RuleSettings) -> list[Detector]:
    links = LinkDetector(settings.allowed_domains)
    contacts = ContactDetector()
    out: list[Detector] = []
    if settings.enabled("keyword"):
        out.append(_default_keywords())
    if settings.blocked_keywords:
        out.append(KeywordDetector([_keyword_entry(p) for p in settings.blocked_keywords], name="blocked"))
    if settings.enabled("contact"):
        out.append(contacts)
    if settings.enabled("link"):
        out.append(links)
    if settings.enabled("bait"):
        out.append(BaitContentDetector())
    if settings.enabled("flood"):
        out.append(FloodDetector(limit=settings.flood_limit))
    if settings.enabled("duplicate"):
        out.append(CrossGroupDuplicateDetector(links, contacts))
    if settings.enabled("newcomer"):
        out.append(NewcomerDetector(links, contacts, recent=timedelta(hours=settings.newcomer_hours)))
    if settings.enabled("mentions"):
        out.append(MentionSpamDetector(settings.mention_limit))
    return out


class RuleBook:
    """A `Moderator` per distinct rule set of the workspace's groups, built once per run."""

    def __init__(self, connection: Connection, workspace_id: int, choice: ClassifierChoice) -> None:
        self.rows = store.rules_rows(connection, workspace_id)
        self.choice = choice
        self._by_settings: dict[str, Moderator] = {}
        self._by_group: dict[int, tuple[Moderator, RuleSettings]] = {}

    def for_group(self, group_id: int) -> tuple[Moderator, RuleSettings]:
        found = self._by_group.get(group_id)
        if found is None:
            settings = _merged(self.rows, group_id).settings
            key = orjson.dumps(settings.as_json(), option=orjson.OPT_SORT_KEYS).decode()
            moderator = self._by_settings.get(key)
            if moderator is None:
                use_model = settings.enabled("classifier")
                moderator = Moderator(
                    self.choice.classifier if use_model else None,
                    build_detectors(settings),
                    flag_at=settings.flag_at,
                    overrides=self.choice.overrides,
                )
                self._by_settings[key] = moderator
            found = self._by_group[group_id] = (moderator, settings)
        return found


# --- the classifier ----------------------------------------------------------------------------------


@dataclass(slots=True)
class ClassifierChoice:
    classifier: SpamClassifier | None
    overrides: dict[str, bool]  # moderators' decisions, for when there is no classifier
    source: str


def load_classifier(
    connection: Connection,
    workspace_id: int,
    now: datetime,
    training_data: Path | None = None,
    persist: bool = True,
) -> ClassifierChoice:
    """The workspace's spam classifier (see the module doc for the order); `persist=False` stores nothing."""
    stored = store.stored_model(connection, workspace_id)
    if stored is not None:
        classifier = _model_from_bytes(stored.model)
        newer = store.labels(connection, workspace_id, stored.labels_through)
        for label in newer:
            classifier.learn(label.text, label.is_spam, retrain=False)  # the override applies at once
        # A reversed decision replaces its text's example: where that leaves one class only (a model
        # trained on a few reviews), the stored model stays as it is and the overrides carry the decisions.
        if newer and persist and len(set(classifier.labels)) == 2:
            classifier.retrain()
            store.put_model(
                connection, workspace_id, _model_bytes(classifier), stored.source, newer[-1].id, now
            )
        return ClassifierChoice(classifier, {}, stored.source)
    known = store.labels(connection, workspace_id)
    texts: list[str] = []
    flags: list[bool] = []
    sources: list[str] = []
    if training_data is not None:
        for example in training_examples(training_data):
            texts.append(example[0])
            flags.append(example[1])
        sources.append(f"labelled data in {training_data}")
    if known:
        sources.append(f"{len(known)} moderator decisions")
    texts += [label.text for label in known]
    flags += [label.is_spam for label in known]
    overrides = {label.text_key: label.is_spam for label in known}
    if len(set(flags)) == 2:
        classifier = SpamClassifier().train(texts, flags)
        classifier.overrides.update(overrides)
        source = " and ".join(sources)
        if persist:
            through = known[-1].id if known else 0
            store.put_model(connection, workspace_id, _model_bytes(classifier), source, through, now)
        return ClassifierChoice(classifier, {}, source)
    if training_data is not None:
        raise ModerationError(f"{training_data}: need both spam and ham examples to train a classifier")
    return ClassifierChoice(None, overrides, "rules only (no spam model yet)")


def install_model(connection: Connection, workspace_id: int, path: Path, actor: Actor, now: datetime) -> str:
    """Make a model file written by `qunops spam train` the workspace's classifier."""
    try:
        classifier = SpamClassifier.load(path)
    except FileNotFoundError:
        raise ModerationError(f"{path}: no such model file") from None
    except ModelFormatError as exc:
        raise ModerationError(str(exc)) from None
    for label in store.labels(connection, workspace_id):
        classifier.overrides[label.text_key] = label.is_spam
    through = max((label.id for label in store.labels(connection, workspace_id)), default=0)
    source = f"model file {path}"
    store.put_model(connection, workspace_id, _model_bytes(classifier), source, through, now)
    audit(connection, workspace_id, actor, "model.install", "model", source, now)
    return source


def training_examples(path: Path) -> list[tuple[str, bool]]:
    """Labelled examples from a CSV/TSV file, a folder of them, or the shared spam datasets' layout."""
    from qunops.moderation.datasets import (
        DatasetError,
        Example,
        deduplicate,
        load_addetector,
        load_labelled,
        load_sms_collection,
        load_tg_spam,
    )

    found: list[Example] = []
    try:
        if path.is_file():
            found = load_labelled(path)
        elif path.is_dir():
            if (path / "tg-spam" / "spam-samples.txt").is_file():
                found += load_tg_spam(path / "tg-spam")
            if (path / "sms-spam-collection" / "SMSSpamCollection").is_file():
                found += load_sms_collection(path / "sms-spam-collection" / "SMSSpamCollection")
            if (path / "addetector4j" / "train.txt").is_file():
                found += load_addetector(path / "addetector4j" / "train.txt")
            for file in sorted([*path.glob("*.csv"), *path.glob("*.tsv")]):
                found += load_labelled(file)
        else:
            raise ModerationError(f"{path}: no such file or folder")
    except DatasetError as exc:
        raise ModerationError(str(exc)) from None
    except OSError as exc:
        raise ModerationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not found:
        raise ModerationError(
            f"{path}: no labelled examples found (CSV/TSV files with label and text columns)"
        )
    return [(e.text, e.is_spam) for e in deduplicate(found).examples]


def _model_bytes(classifier: SpamClassifier) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.joblib"
        classifier.save(path)
        return path.read_bytes()


def _model_from_bytes(data: bytes) -> SpamClassifier:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.joblib"
        path.write_bytes(data)
        return SpamClassifier.load(path)


# --- judging events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Which events to judge: after an event id (new events), and/or a time range, and/or one group."""

    after_id: int = 0
    since_us: int | None = None
    until_us: int | None = None
    group_id: int | None = None


@dataclass(frozen=True, slots=True)
class Judged:
    event_id: int
    group_id: int
    member_id: int | None
    ts_us: int
    text: str
    verdict: Verdict
    settings: RuleSettings


def judge(connection: Connection, workspace_id: int, window: Window, rules: RuleBook) -> Iterator[Judged]:
    """A verdict for every member message in the window, in time order, with the event log's context.

    Flooding and cross-group duplicates need the recent past: the six hours before the window are
    replayed into the activity window first. A member's standing (join time, earlier messages) before
    the window comes from the rollups (`memberships`, `member_days`), inside it from the events seen.
    """
    activity = RecentActivity()
    conditions = [
        groups.c.workspace_id == workspace_id,
        events.c.kind.in_((EventKind.MESSAGE, EventKind.JOIN)),
    ]
    if window.after_id:
        conditions.append(events.c.id > window.after_id)
    if window.since_us is not None:
        conditions.append(events.c.ts_us >= window.since_us)
    if window.until_us is not None:
        conditions.append(events.c.ts_us < window.until_us)
    if window.group_id is not None:
        conditions.append(events.c.group_id == window.group_id)
    has_past = bool(window.after_id) or window.since_us is not None
    first_us = connection.execute(
        select(func.min(events.c.ts_us)).join(groups, groups.c.id == events.c.group_id).where(*conditions)
    ).scalar()
    if first_us is None:
        return
    if has_past:
        _replay_recent(connection, workspace_id, window, int(first_us), activity)
    standing = _Standing(connection, int(first_us) if has_past else None)
    query = (
        select(
            events.c.id,
            events.c.group_id,
            events.c.ts_us,
            events.c.kind,
            events.c.member_id,
            events.c.content_type,
            events.c.text,
            events.c.payload,
            members.c.is_bot,
            members.c.is_operator,
            memberships.c.is_admin,
            groups.c.owner_member_id,
        )
        .join(groups, groups.c.id == events.c.group_id)
        .outerjoin(members, members.c.id == events.c.member_id)
        .outerjoin(
            memberships,
            and_(memberships.c.group_id == events.c.group_id, memberships.c.member_id == events.c.member_id),
        )
        .where(*conditions)
        .order_by(events.c.ts_us, events.c.id)
    )
    # Statement-level options: `Connection.execution_options` would change the connection for good.
    rows = connection.execute(query.execution_options(stream_results=True, yield_per=2000))
    for row in rows:
        (event_id, group_id, ts_us, kind, member_id, content_type, text, payload, is_bot, is_operator,
         is_admin, owner) = row  # fmt: skip
        if kind == EventKind.JOIN:
            if member_id is not None:
                standing.joined(group_id, member_id, ts_us)
            continue
        if is_bot or is_operator:
            continue  # bots, and the workspace's own accounts, are not members to moderate
        moderator, settings = rules.for_group(group_id)
        data = orjson.loads(payload) if payload else {}
        mentioned = data.get("mentions") if isinstance(data, dict) else None
        message = Message.of(
            text or "",
            content_type=_content_type(content_type),
            member=str(member_id or ""),
            group=str(group_id),
            ts=from_us(ts_us),
            mentions=len(mentioned) if isinstance(mentioned, list) and mentioned else None,
            payload=data if isinstance(data, dict) else {},
        )
        privileged = bool(is_admin or (owner is not None and owner == member_id))
        context = ModerationContext(standing.of(group_id, member_id, privileged, ts_us), activity)
        verdict = moderator.moderate(message, context)
        if member_id is not None:
            standing.spoke(group_id, member_id)
        yield Judged(event_id, group_id, member_id, ts_us, text or "", verdict, settings)


# How many messages a member sent before is evidence of being new only where the store would know: an
# export starts in the middle of a group's life. Where the group's source records joins, a member with no
# stored join was there before the history began; where it records none, everyone who speaks within this
# long of the group's first stored event is speaking for the first time as far as the store knows.
HISTORY_WARM_UP = timedelta(days=7)
_WARM_UP_US = int(HISTORY_WARM_UP.total_seconds() * 1_000_000)


class _Standing:
    """Members' join times and message counts per group as the judged events go by."""

    def __init__(self, connection: Connection, window_start_us: int | None) -> None:
        self.connection = connection
        self.window_start_us = window_start_us
        self.joined_us: dict[tuple[int, int], int | None] = {}
        self.messages: dict[tuple[int, int], int] = {}
        self.history_starts: dict[int, tuple[int, bool]] = {}  # first stored event, joins recorded

    def _load(self, key: tuple[int, int]) -> None:
        if key in self.messages:
            return
        if self.window_start_us is None:
            self.messages[key] = 0
            self.joined_us.setdefault(key, None)
            return
        group_id, member_id = key
        start_day = from_us(self.window_start_us).date()
        before = self.connection.execute(
            select(func.coalesce(func.sum(member_days.c.messages), 0)).where(
                member_days.c.member_id == member_id,
                member_days.c.group_id == group_id,
                member_days.c.day < start_day,
            )
        ).scalar()
        joined = self.connection.execute(
            select(memberships.c.joined_us).where(
                memberships.c.group_id == group_id, memberships.c.member_id == member_id
            )
        ).scalar()
        self.messages[key] = int(before or 0)
        if key not in self.joined_us:
            self.joined_us[key] = (
                int(joined) if joined is not None and joined < self.window_start_us else None
            )

    def joined(self, group_id: int, member_id: int, ts_us: int) -> None:
        key = (group_id, member_id)
        self._load(key)
        self.joined_us[key] = ts_us

    def spoke(self, group_id: int, member_id: int) -> None:
        self.messages[(group_id, member_id)] += 1

    def of(self, group_id: int, member_id: int | None, privileged: bool, ts_us: int) -> MemberStanding:
        if member_id is None:
            return MemberStanding(privileged=privileged)
        key = (group_id, member_id)
        self._load(key)
        joined = self.joined_us.get(key)
        if joined is None:
            start, records_joins = self._history(group_id)
            counted = not records_joins and ts_us - start >= _WARM_UP_US
        else:
            counted = True
        return MemberStanding(
            joined_at=from_us(joined) if joined is not None else None,
            messages_before=self.messages[key] if counted else None,
            privileged=privileged,
        )

    def _history(self, group_id: int) -> tuple[int, bool]:
        """The group's first stored event, and whether its history records any join."""
        found = self.history_starts.get(group_id)
        if found is None:
            start = self.connection.execute(
                select(func.min(events.c.ts_us)).where(events.c.group_id == group_id)
            ).scalar()
            join = self.connection.execute(
                select(events.c.id)
                .where(
                    events.c.group_id == group_id, sql_text(LIFECYCLE_WHERE), events.c.kind == EventKind.JOIN
                )
                .limit(1)
            ).scalar()
            found = self.history_starts[group_id] = (int(start or 0), join is not None)
        return found


def _replay_recent(
    connection: Connection, workspace_id: int, window: Window, first_us: int, activity: RecentActivity
) -> None:
    start = first_us - int(activity.horizon.total_seconds() * 1_000_000)
    conditions = [
        groups.c.workspace_id == workspace_id,
        events.c.kind == EventKind.MESSAGE,
        events.c.ts_us >= start,
        events.c.ts_us < first_us,
    ]
    if window.after_id:
        conditions.append(events.c.id <= window.after_id)
    rows = connection.execute(
        select(events.c.group_id, events.c.member_id, events.c.ts_us, events.c.text)
        .join(groups, groups.c.id == events.c.group_id)
        .where(*conditions)
        .order_by(events.c.ts_us, events.c.id)
    )
    for group_id, member_id, ts_us, text in rows:
        activity.record(
            Message.of(text or "", member=str(member_id or ""), group=str(group_id), ts=from_us(ts_us))
        )


def _content_type(value: str | None) -> ContentType:
    try:
        return ContentType(value) if value else ContentType.TEXT
    except ValueError:
        return ContentType.OTHER


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "score": verdict.score,
        "categories": [c.value for c in verdict.categories],
        "findings": [
            {
                "rule": f.rule,
                "category": f.category.value,
                "severity": f.severity.name.lower(),
                "evidence": f.evidence,
                "explanation": f.explanation,
            }
            for f in verdict.findings
        ],
        "spam_probability": verdict.spam_probability,
        "features": [[name, round(weight, 4)] for name, weight in verdict.classifier_features],
        "reasons": list(verdict.reasons),
    }


def rules_fired(verdict: Verdict) -> list[str]:
    """The rule families behind a verdict ("keyword", "contact", …, "classifier", "override")."""
    names = {f.rule.split(":", 1)[0] for f in verdict.findings}
    if verdict.moderator_override is not None:
        names.add("override")
    elif verdict.spam_probability is not None and any(
        r.startswith("the spam classifier") for r in verdict.reasons
    ):
        names.add("classifier")
    return sorted(names)


# --- moderating new events ------------------------------------------------------------------------


@dataclass(slots=True)
class ModerationRun:
    judged: int = 0
    flagged: int = 0
    cases_opened: int = 0
    cases_extended: int = 0
    penalties: int = 0
    classifier: str = ""
    through_event_id: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "judged": self.judged,
            "flagged": self.flagged,
            "cases_opened": self.cases_opened,
            "cases_extended": self.cases_extended,
            "penalties": self.penalties,
            "classifier": self.classifier,
            "through_event_id": self.through_event_id,
        }


def moderate_new_events(
    engine: Engine,
    workspace_id: int,
    now: datetime,
    ports: Ports = EXPORT_ONLY,
    training_data: Path | None = None,
    classifier: ClassifierChoice | None = None,
    link_base: str = "",
) -> ModerationRun:
    """Verdicts for the workspace's events not yet moderated; flagged ones stored and gathered in cases.

    One transaction: a crash stores nothing and the next run redoes the same events. Penalties are applied
    only where a group's rules set `auto_penalty`; otherwise cases wait in the review queue.
    """
    run = ModerationRun()
    with engine.begin() as connection:
        mark = store.moderated_through(connection, workspace_id)
        last = connection.execute(
            select(func.max(events.c.id))
            .join(groups, groups.c.id == events.c.group_id)
            .where(groups.c.workspace_id == workspace_id, events.c.id > mark)
        ).scalar()
        choice = classifier or load_classifier(connection, workspace_id, now, training_data, persist=True)
        run.classifier = choice.source
        if last is None:
            run.through_event_id = mark
            return run
        book = RuleBook(connection, workspace_id, choice)
        flagged: dict[int, list[tuple[int, Judged]]] = {}
        pending: list[Judged] = []
        for item in judge(connection, workspace_id, Window(after_id=mark), book):
            if item.event_id > last:
                continue  # arrived during this run: the next run takes it with its context
            run.judged += 1
            if item.verdict.flagged:
                pending.append(item)
                if len(pending) >= 500:
                    _store_flags(connection, workspace_id, pending, flagged, now)
                    pending = []
        _store_flags(connection, workspace_id, pending, flagged, now)
        run.flagged = sum(len(v) for v in flagged.values())
        for member_id, items in flagged.items():
            existing = store.pending_case_for(connection, workspace_id, member_id)
            flag_ids = [flag_id for flag_id, _ in items]
            if existing is not None:
                _extend_case(connection, workspace_id, existing, flag_ids, now)
                run.cases_extended += 1
                continue
            case_id = open_case(connection, workspace_id, member_id, flag_ids, SYSTEM, now)
            run.cases_opened += 1
            if any(item.settings.auto_penalty for _, item in items):
                apply_penalty(connection, workspace_id, case_id, SYSTEM, now, ports, link_base=link_base)
                run.penalties += 1
        store.set_moderated_through(connection, workspace_id, int(last), now)
        run.through_event_id = int(last)
    return run


def _store_flags(
    connection: Connection,
    workspace_id: int,
    items: Sequence[Judged],
    by_member: dict[int, list[tuple[int, Judged]]],
    now: datetime,
) -> None:
    rows = []
    for item in items:
        data = verdict_json(item.verdict)
        rows.append(
            {
                "workspace_id": workspace_id,
                "event_id": item.event_id,
                "group_id": item.group_id,
                "member_id": item.member_id,
                "ts_us": item.ts_us,
                "score": data["score"],
                "categories": data["categories"],
                "findings": [
                    # with the explanation's template and values, so a page can show it in its language
                    {**found, "text": finding.explanation.as_json()}
                    if isinstance(finding.explanation, Text)
                    else found
                    for found, finding in zip(data["findings"], item.verdict.findings, strict=True)
                ],
                "spam_probability": data["spam_probability"],
                "features": data["features"],
                "reasons": data["reasons"],
                "created_us": to_us(now),
            }
        )
    for flag_id, item in zip(store.insert_flags(connection, rows), items, strict=True):
        if item.member_id is not None:
            by_member.setdefault(item.member_id, []).append((flag_id, item))


# --- cases and reviews ------------------------------------------------------------------------------


def open_case(
    connection: Connection,
    workspace_id: int,
    member_id: int,
    flag_ids: Sequence[int],
    opened_by: Actor,
    now: datetime,
    reason: str = "",
) -> int:
    """A member's violation with its evidence (flagged messages), waiting in the review queue."""
    if store.member_row(connection, workspace_id, member_id) is None:
        raise NotFound(f"no member {member_id} in this workspace")
    case_id = store.insert_case(
        connection, workspace_id, member_id, None, [], "", False, opened_by.user_id, now
    )
    attached = store.attach_flags(connection, workspace_id, case_id, flag_ids)
    if flag_ids and not attached:
        raise ModerationError(Text("none of these flagged messages is free to become evidence of a new case"))
    summary = _summarise(connection, case_id)
    audit(
        connection,
        workspace_id,
        opened_by,
        "case.open",
        f"case:{case_id}",
        reason or summary["summary"],
        now,
        after={"member_id": member_id, "flags": list(flag_ids), **summary},
    )
    return case_id


def _extend_case(
    connection: Connection, workspace_id: int, case_id: int, flag_ids: Sequence[int], now: datetime
) -> None:
    store.attach_flags(connection, workspace_id, case_id, flag_ids)
    summary = _summarise(connection, case_id)
    audit(
        connection,
        workspace_id,
        SYSTEM,
        "case.evidence",
        f"case:{case_id}",
        MORE_EVIDENCE,
        now,
        after={"flags": list(flag_ids), **summary},
    )


def _summarise(connection: Connection, case_id: int) -> dict[str, Any]:
    evidence = store.case_evidence(connection, case_id)
    categories: list[str] = []
    for item in evidence:
        for category in item.categories:
            if category not in categories:
                categories.append(category)
    multi = any(f.get("rule") == "duplicate:accounts" for item in evidence for f in item.findings)
    groups_seen = sorted({item.group_name for item in evidence})
    summary = store.case_summary(len(evidence), groups_seen, categories, multi)
    store.update_case_summary(connection, case_id, categories, summary, multi)
    if evidence:
        store.set_case_group(connection, case_id, evidence[0].group_id)
    return {"categories": categories, "summary": summary, "multi_account": multi}


def review(
    connection: Connection,
    workspace_id: int,
    case_id: int,
    decision: str,
    reviewer: Actor,
    reason: str,
    now: datetime,
    ports: Ports = EXPORT_ONLY,
    penalize: bool = True,
    link_base: str = "",
) -> str:
    """Confirm or overturn a case; returns its new state. The decision teaches the classifier (spam / not
    spam) through moderator labels, the latest decision on a text replacing earlier ones.

    A pending case is confirmed (the next penalty applies, unless `penalize` is False or one is already
    applied) or overturned. A confirmed case can still be overturned, when the moderators find out later
    that it was a mistake. Overturning goes the way of an upheld appeal (`_overturn`): the case's
    penalties are lifted, what they recommended and nobody carried out is withdrawn, the member's ladder
    no longer counts them, and the member is told where a lifted penalty had reached them. Where the
    member's appeal is waiting for a decision, overturning upholds it. An overturned case stays
    overturned: the member was told the decision went their way, and new messages open a new case.
    """
    if decision not in ("confirm", "overturn"):
        raise ModerationError(f"decision must be confirm or overturn, not {decision!r}")
    reason = _reason(reason)
    case = store.case_row(connection, workspace_id, case_id)
    if case is None:
        raise NotFound(f"no case {case_id} in this workspace")
    state = "confirmed" if decision == "confirm" else "overturned"
    reviewer_name = case.reviewer or Text("the system")
    if case.state == "overturned":
        raise ModerationError(
            Text(
                "case {case} was already overturned by {reviewer}: an overturned case stays overturned, "
                "and new messages open a new case",
                case=case_id,
                reviewer=reviewer_name,
            )
        )
    if case.state == "confirmed" and state == "confirmed":
        raise ModerationError(
            Text("case {case} was already confirmed by {reviewer}", case=case_id, reviewer=reviewer_name)
        )
    appeal = store.appeal_for_case(connection, case_id)
    if state == "overturned" and appeal is not None and appeal.state == "filed":
        # The member asked for exactly this: their appeal is upheld, and they are told once.
        decide_appeal(connection, workspace_id, appeal.id, "uphold", reviewer, reason, now, ports)
        return state
    audit(
        connection,
        workspace_id,
        reviewer,
        f"case.{decision}",
        f"case:{case_id}",
        reason,
        now,
        before={"state": case.state},
        after={"state": state},
    )
    if state == "overturned":
        if _overturn(connection, workspace_id, case, reviewer, reason, reason, now, ports):
            text = Text("The moderators reviewed your case and lifted the penalty. {reason}", reason=reason)
            _tell(connection, workspace_id, case, reviewer, reason, text, now, ports)
        return state
    store.set_review(connection, case_id, state, reviewer.user_id, reason, now)
    _learn(connection, workspace_id, case_id, is_spam=True, actor=reviewer, now=now)
    history = [
        p for p in store.penalty_history(connection, workspace_id, case.member_id) if p.case_id == case_id
    ]
    if penalize and not history:
        apply_penalty(connection, workspace_id, case_id, reviewer, now, ports, link_base=link_base)
    return state


def _overturn(
    connection: Connection,
    workspace_id: int,
    case: store.CaseRow,
    actor: Actor,
    review_reason: str,
    reason: str,
    now: datetime,
    ports: Ports,
) -> bool:
    """The case decided in the member's favour (a review, or an upheld appeal): overturned with
    `review_reason`, its texts labelled "not spam", its penalties lifted for `reason`. Returns whether
    a penalty it lifted had reached the member (one of its actions was carried out), so that they are
    told of the lifting; a penalty that never left the recommendations is withdrawn without a word."""
    if case.state != "overturned":
        store.set_review(connection, case.id, "overturned", actor.user_id, review_reason, now)
        _learn(connection, workspace_id, case.id, is_spam=False, actor=actor, now=now)
        store.close_unfiled_appeal(connection, case.id, now)  # there is nothing left to appeal
    return _lift_case_penalties(connection, workspace_id, case, actor, reason, now, ports)


def _tell(
    connection: Connection,
    workspace_id: int,
    case: store.CaseRow,
    actor: Actor,
    reason: str,
    text: Text,
    now: datetime,
    ports: Ports,
) -> None:
    """A private word to the case's member about its outcome, through the action port (a recommendation
    where the group has no gateway), in the words' template too (`said`)."""
    request = ActionRequest(
        ActionKind.WARN_PRIVATELY, workspace_id, case.group_id, case.member_id, reason, actor, said(text), now
    )
    request_action(connection, ports.for_group(connection, case.group_id), request)


def _learn(
    connection: Connection, workspace_id: int, case_id: int, is_spam: bool, actor: Actor, now: datetime
) -> None:
    """Every flagged text of the case becomes a moderator label (the classifier learns it)."""
    for item in store.case_evidence(connection, case_id):
        if item.text.strip():
            key = override_key(item.text)
            store.put_label(connection, workspace_id, key, item.text, is_spam, case_id, actor.user_id, now)


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ModerationError(Text("give a reason: it is kept with the decision and shown in the audit log"))
    if len(text) > MAX_REASON:
        raise ModerationError(Text("the reason is longer than {limit} characters", limit=MAX_REASON))
    return text


# --- penalties ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppliedPenalty:
    penalty_id: int
    penalty: Penalty
    appeal_token: str
    outcomes: list[ActionOutcome]


def apply_penalty(
    connection: Connection,
    workspace_id: int,
    case_id: int,
    actor: Actor,
    now: datetime,
    ports: Ports = EXPORT_ONLY,
    private: bool | None = None,
    policy: LadderPolicy = LadderPolicy(),
    link_base: str = "",
) -> AppliedPenalty:
    """The member's next step on the ladder for this case, carried out through the action port.

    The ladder runs per member per workspace (earlier penalties in any group count); a mute applies in
    the groups of the case's evidence; removal removes the member from every group of the workspace they
    are in and blacklists them in every group they have been in. The member is told privately, with the
    secret link to appeal.
    """
    case = store.case_row(connection, workspace_id, case_id)
    if case is None:
        raise NotFound(f"no case {case_id} in this workspace")
    if case.state == "overturned":
        raise ModerationError(Text("case {case} was overturned: there is nothing to penalise", case=case_id))
    rules = rules_for(connection, workspace_id, case.group_id)
    deliver_privately = rules.settings.private_warnings if private is None else private
    history = store.penalty_history(connection, workspace_id, case.member_id)
    evidence = store.case_evidence(connection, case_id)
    aggravation = Aggravation(
        multi_account=case.multi_account,
        reasons=(COORDINATED,) if case.multi_account else (),
    )
    penalty = next_penalty(
        [p.penalty for p in history],
        now,
        aggravation,
        policy=policy,
        private=deliver_privately,
        reasons=tuple(case.categories),
        evidence=tuple(str(e.event_id) for e in evidence),
    )
    penalty_id = store.insert_penalty(
        connection, workspace_id, case.member_id, case_id, penalty, actor.user_id
    )
    appeal = store.appeal_for_case(connection, case_id)
    token = appeal.token if appeal is not None else secrets.token_urlsafe(24)
    if appeal is None:
        store.insert_appeal(connection, workspace_id, case_id, token, now)
    audit(
        connection,
        workspace_id,
        actor,
        "penalty.apply",
        f"member:{case.member_id}",
        penalty.explanation,
        now,
        after={
            "penalty_id": penalty_id,
            "case_id": case_id,
            "step": penalty.step,
            "kind": penalty.kind.value,
            "until": penalty.until.isoformat() if penalty.until else None,
            "private": penalty.private,
        },
    )
    case_groups = sorted({e.group_id for e in evidence} | ({case.group_id} if case.group_id else set()))
    # Warnings go to the group the case is about (that of its first evidence), not the lowest group id.
    home = case.group_id if case.group_id is not None else (case_groups[0] if case_groups else None)
    link = f"{link_base.rstrip('/')}/appeal/{token}"
    notice = Text(
        "Moderation: {what}, because of {categories} ({summary}). {explanation} "
        "If you think this is wrong, appeal here: {link}",
        what=policy.steps[penalty.step].describe(),
        categories=_violated(case.categories),
        summary=case.summary,
        explanation=penalty.explanation,
        link=link,
    )

    def act(kind: ActionKind, group_id: int | None, parameters: Mapping[str, Any] | None = None) -> None:
        request = ActionRequest(
            kind,
            workspace_id,
            group_id,
            case.member_id,
            penalty.explanation,
            actor,
            dict(parameters or {}),
            now,
        )
        outcomes.append(request_action(connection, ports.for_group(connection, group_id), request))

    outcomes: list[ActionOutcome] = []
    # Every action of the penalty names it, so that lifting the penalty withdraws those not carried out.
    notice_parameters = {**said(notice), "appeal_link": link, "penalty_id": penalty_id}
    if penalty.kind == PenaltyKind.WARNING:
        if not penalty.private and home is not None:
            warning = said(_public_warning(case.member_name, case.categories))
            act(ActionKind.SEND_MESSAGE, home, {**warning, "penalty_id": penalty_id})
        act(ActionKind.WARN_PRIVATELY, home, notice_parameters)
    elif penalty.kind == PenaltyKind.MUTE:
        seconds = int((penalty.until - now).total_seconds()) if penalty.until else 0
        until = penalty.until.isoformat() if penalty.until else None
        for group_id in case_groups:
            act(ActionKind.MUTE, group_id, {"seconds": seconds, "until": until, "penalty_id": penalty_id})
        act(ActionKind.WARN_PRIVATELY, home, notice_parameters)
    else:
        act(ActionKind.WARN_PRIVATELY, home, notice_parameters)
        present = store.member_groups(connection, workspace_id, case.member_id, present_only=True)
        ever = store.member_groups(connection, workspace_id, case.member_id, present_only=False)
        for group_id in sorted(set(present) | set(case_groups)):
            act(ActionKind.REMOVE, group_id, {"penalty_id": penalty_id})
        for group_id in sorted(set(ever) | set(case_groups)):
            act(ActionKind.BLACKLIST, group_id, {"penalty_id": penalty_id})
    return AppliedPenalty(penalty_id, penalty, token, outcomes)


def _public_warning(name: str, categories: Sequence[str]) -> Text:
    return Text(
        "@{name} a warning from the moderators ({categories}). Please read the group rules.",
        name=name,
        categories=_violated(categories),
    )


def _violated(categories: Sequence[str]) -> str:
    return listing(store.category_members(categories)) if categories else Text("a rule violation")


def said(text: Text) -> dict[str, Any]:
    """An action's words to members: the English, and its template and values, so that a recommendation
    shows the operator who is to send it the words in their console's language."""
    return {"text": text, "text_template": text.as_json()}


def _lift_case_penalties(
    connection: Connection,
    workspace_id: int,
    case: store.CaseRow,
    actor: Actor,
    reason: str,
    now: datetime,
    ports: Ports,
) -> bool:
    """Lift every penalty of the case still in force, undoing its effects through the action port.
    Returns whether any of them had reached the member (one of its actions was carried out)."""
    reached = False
    evidence = store.case_evidence(connection, case.id)
    case_groups = sorted({e.group_id for e in evidence} | ({case.group_id} if case.group_id else set()))
    for row in store.penalty_history(connection, workspace_id, case.member_id):
        if row.case_id != case.id or row.penalty.lifted:
            continue
        if _actions_of(connection, workspace_id, case.member_id, row, ActionState.DONE):
            reached = True
        was_active = row.penalty.active(now)
        lifted = lift(row.penalty, now)
        store.lift_penalty_row(connection, row.id, lifted, actor.user_id)
        audit(
            connection,
            workspace_id,
            actor,
            "penalty.lift",
            f"member:{case.member_id}",
            reason,
            now,
            before={"penalty_id": row.id, "lifted": False},
            after={"penalty_id": row.id, "lifted": True},
        )

        # What the penalty recommended and nobody carried out yet is not to be carried out any more.
        withdrawn = withdraw_recommendations(
            connection,
            workspace_id,
            _actions_of(connection, workspace_id, case.member_id, row, ActionState.RECOMMENDED),
            actor,
            withdrawn_because(reason),
            now,
        )
        never_done = {(kind, group_id) for _, kind, group_id in withdrawn}

        def act(kind: ActionKind, group_id: int | None, parameters: Mapping[str, Any]) -> None:
            request = ActionRequest(
                kind, workspace_id, group_id, case.member_id, reason, actor, parameters, now
            )
            request_action(connection, ports.for_group(connection, group_id), request)

        if row.penalty.kind == PenaltyKind.MUTE and was_active:
            for group_id in case_groups:
                if (ActionKind.MUTE.value, group_id) not in never_done:
                    act(ActionKind.UNMUTE, group_id, {"penalty_id": row.id})
        elif row.penalty.kind == PenaltyKind.REMOVAL:
            for group_id in sorted(
                set(store.member_groups(connection, workspace_id, case.member_id, False)) | set(case_groups)
            ):
                if (ActionKind.BLACKLIST.value, group_id) not in never_done:
                    act(ActionKind.UNBLACKLIST, group_id, {"penalty_id": row.id})
    return reached


def withdrawn_because(reason: str) -> Text:
    """The note of a recommendation withdrawn because its penalty was lifted for `reason`."""
    return Text("the penalty was lifted: {reason}", reason=reason)


_PENALTY_ACTIONS = frozenset(
    k.value
    for k in (
        ActionKind.SEND_MESSAGE,
        ActionKind.WARN_PRIVATELY,
        ActionKind.MUTE,
        ActionKind.REMOVE,
        ActionKind.BLACKLIST,
    )
)


def _actions_of(
    connection: Connection, workspace_id: int, member_id: int, row: store.PenaltyRow, state: ActionState
) -> list[int]:
    """The actions a penalty made that are in `state` (waiting for a human, carried out…): those naming
    it, and (recorded before actions named their penalty) those requested with its explanation at the
    moment it was given."""
    found = []
    for action in actions_for_member(connection, workspace_id, member_id, state):
        if action["kind"] not in _PENALTY_ACTIONS:
            continue
        parameters = action["parameters"] if isinstance(action["parameters"], dict) else {}
        if "penalty_id" in parameters:
            if parameters["penalty_id"] == row.id:
                found.append(int(action["id"]))
        elif action["created_us"] == to_us(row.penalty.issued_at) and action["reason"] == row.explanation:
            found.append(int(action["id"]))
    return found


@dataclass(frozen=True, slots=True)
class Standing:
    """A member's position on the ladder at a moment, and what a new offence would bring."""

    step: int  # -1: nothing counts (clean record, lifted penalties only, or forgiven)
    next_penalty: str
    active: list[store.PenaltyRow]
    blacklisted: bool
    history: list[store.PenaltyRow]
    next_step: int = 0  # the step a new offence would bring (without aggravation)


def member_standing(
    connection: Connection,
    workspace_id: int,
    member_id: int,
    now: datetime,
    policy: LadderPolicy = LadderPolicy(),
) -> Standing:
    """Where the member stands at `now`: forgiveness after clean time is applied by the ladder here."""
    if store.member_row(connection, workspace_id, member_id) is None:
        raise NotFound(f"no member {member_id} in this workspace")
    history = store.penalty_history(connection, workspace_id, member_id)
    penalties = [p.penalty for p in history]
    step = current_step(penalties, now, policy)
    upcoming = next_penalty(penalties, now, policy=policy)
    active = [p for p in history if p.penalty.active(now)]
    blacklisted = any(p.penalty.kind == PenaltyKind.REMOVAL for p in active)
    return Standing(step, upcoming.explanation, active, blacklisted, history, upcoming.step)


# --- appeals ------------------------------------------------------------------------------------


def file_appeal(connection: Connection, token: str, statement: str, now: datetime) -> store.AppealRow:
    """The member's statement, through the secret link of their case."""
    appeal = store.appeal_by_token(connection, token) if token else None
    if appeal is None:
        raise NotFound(Text("this appeal link is not valid"))
    text = statement.strip()
    if not text:
        raise ModerationError(Text("write a few words about why the decision should change"))
    if len(text) > MAX_STATEMENT:
        raise ModerationError(Text("the statement is longer than {limit} characters", limit=MAX_STATEMENT))
    if appeal.state in ("upheld", "rejected"):
        raise ModerationError(Text("this appeal has already been decided"))
    if appeal.state == "filed":
        raise ModerationError(Text("your appeal has already been received; the moderators will decide on it"))
    case = store.case_row(connection, appeal.workspace_id, appeal.case_id)
    if case is not None and case.state == "overturned":
        raise ModerationError(LIFTED_NOTHING_TO_APPEAL)
    store.file_appeal_row(connection, appeal.id, text, now)
    audit(
        connection,
        appeal.workspace_id,
        Actor.member(appeal.member_id),
        "appeal.file",
        f"case:{appeal.case_id}",
        APPEAL_FILED,
        now,
        before={"state": appeal.state},
        after={"state": "filed", "statement": text},
    )
    found = store.appeal_by_token(connection, token)
    assert found is not None
    return found


def decide_appeal(
    connection: Connection,
    workspace_id: int,
    appeal_id: int,
    decision: str,
    decided_by: Actor,
    reason: str,
    now: datetime,
    ports: Ports = EXPORT_ONLY,
) -> str:
    """Uphold (in the member's favour: the case is overturned, its penalties lifted through the action
    port, the classifier learns "not spam") or reject the appeal the member filed; either way the member
    is told through the port. Only a filed appeal is decided: an appeal link the member never used has
    nothing to decide."""
    if decision not in ("uphold", "reject"):
        raise ModerationError(f"decision must be uphold or reject, not {decision!r}")
    reason = _reason(reason)
    appeal = store.appeal_row(connection, workspace_id, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id} in this workspace")
    if appeal.state in ("upheld", "rejected"):
        raise ModerationError(
            f"appeal {appeal_id} was already {appeal.state} by {appeal.decided_by or 'someone'}"
        )
    if appeal.state != "filed":
        raise ModerationError(
            Text(
                "the member has not appealed case {case}: there is no appeal to decide",
                case=appeal.case_id,
            )
        )
    case = store.case_row(connection, workspace_id, appeal.case_id)
    assert case is not None  # the appeal's foreign key holds it
    if decision == "reject" and case.state == "overturned":
        raise ModerationError(
            Text(
                "case {case} was overturned and its penalty lifted: the appeal can only be upheld",
                case=case.id,
            )
        )
    state = "upheld" if decision == "uphold" else "rejected"
    store.decide_appeal_row(connection, appeal.id, state, reason, decided_by.user_id, now)
    audit(
        connection,
        workspace_id,
        decided_by,
        f"appeal.{decision}",
        f"case:{case.id}",
        reason,
        now,
        before={"state": appeal.state},
        after={"state": state},
    )
    if state == "upheld":
        _overturn(connection, workspace_id, case, decided_by, upheld_review(reason), reason, now, ports)
        text = Text("Your appeal was upheld and the penalty lifted. {reason}", reason=reason)
    else:
        text = Text("Your appeal was reviewed and the decision stands. {reason}", reason=reason)
    _tell(connection, workspace_id, case, decided_by, reason, text, now, ports)
    return state
