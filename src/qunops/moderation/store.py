"""Moderation's SQL: rules, verdict flags, cases, reviews, labels, spam models, penalties and appeals.

Plain reads and writes, every one scoped by workspace. The decisions (what to flag, which penalty, when
an appeal lifts it) live in `service.py` and the pure modules; this module only moves rows. Sentences
kept as English (case summaries, penalty explanations, verdict reasons) are read back as the `Text` they
were written as when they are recognised, so the console can show them in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from qunops.core.texts import Term, Text, listing, recognised
from qunops.core.time import day_end_us, day_start_us, from_us, from_us_or_none, local_day, to_us
from qunops.moderation.findings import PolicyCategory
from qunops.moderation.ladder import Penalty, PenaltyKind, explanations
from qunops.moderation.verdict import stored_reasons
from qunops.store.rollups import group_zones
from qunops.store.schema import (
    appeals,
    events,
    groups,
    members,
    memberships,
    moderation_cases,
    moderation_flags,
    moderation_labels,
    moderation_reviews,
    moderation_rules,
    moderation_state,
    penalties,
    spam_models,
    users,
)

UTC_ZONE = ZoneInfo("UTC")
WORKSPACE_SCOPE = "*"


# --- rules --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RulesRow:
    scope: str  # "*" or the group id
    group_id: int | None
    rules_text: str
    settings: dict[str, Any]
    updated_by: str | None
    updated_us: int


def scope_of(group_id: int | None) -> str:
    return WORKSPACE_SCOPE if group_id is None else str(group_id)


def rules_rows(connection: Connection, workspace_id: int) -> dict[str, RulesRow]:
    """Every stored rules row of the workspace by scope ("*" for the workspace's defaults)."""
    rows = connection.execute(
        select(moderation_rules, users.c.username)
        .outerjoin(users, users.c.id == moderation_rules.c.updated_by)
        .where(moderation_rules.c.workspace_id == workspace_id)
    ).mappings()
    return {
        r["scope"]: RulesRow(
            r["scope"],
            r["group_id"],
            r["rules_text"],
            dict(r["settings"] or {}),
            r["username"],
            r["updated_us"],
        )
        for r in rows
    }


def put_rules(
    connection: Connection,
    workspace_id: int,
    group_id: int | None,
    rules_text: str,
    settings: dict[str, Any],
    user_id: int | None,
    now: datetime,
) -> None:
    scope = scope_of(group_id)
    values = {"rules_text": rules_text, "settings": settings, "updated_by": user_id, "updated_us": to_us(now)}
    changed = connection.execute(
        update(moderation_rules)
        .where(moderation_rules.c.workspace_id == workspace_id, moderation_rules.c.scope == scope)
        .values(**values)
    ).rowcount
    if not changed:
        connection.execute(
            insert(moderation_rules).values(
                workspace_id=workspace_id, scope=scope, group_id=group_id, **values
            )
        )


# --- the moderation mark ----------------------------------------------------------------------------


def moderated_through(connection: Connection, workspace_id: int) -> int:
    """Every event of the workspace up to this id has had its verdict."""
    value = connection.execute(
        select(moderation_state.c.last_event_id).where(moderation_state.c.workspace_id == workspace_id)
    ).scalar()
    return int(value or 0)


def set_moderated_through(connection: Connection, workspace_id: int, event_id: int, now: datetime) -> None:
    changed = connection.execute(
        update(moderation_state)
        .where(moderation_state.c.workspace_id == workspace_id)
        .values(last_event_id=event_id, updated_us=to_us(now))
    ).rowcount
    if not changed:
        connection.execute(
            insert(moderation_state).values(
                workspace_id=workspace_id, last_event_id=event_id, updated_us=to_us(now)
            )
        )


# --- flags and cases --------------------------------------------------------------------------------


def insert_flags(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Store verdicts; returns their ids in order."""
    ids = []
    for row in rows:
        ids.append(
            int(
                connection.execute(
                    insert(moderation_flags).values(**row).returning(moderation_flags.c.id)
                ).scalar_one()
            )
        )
    return ids


def insert_case(
    connection: Connection,
    workspace_id: int,
    member_id: int,
    group_id: int | None,
    categories: list[str],
    summary: str,
    multi_account: bool,
    opened_by: int | None,
    now: datetime,
) -> int:
    case_id = connection.execute(
        insert(moderation_cases)
        .values(
            workspace_id=workspace_id,
            member_id=member_id,
            group_id=group_id,
            categories=categories,
            summary=summary,
            multi_account=multi_account,
            opened_by=opened_by,
            opened_us=to_us(now),
        )
        .returning(moderation_cases.c.id)
    ).scalar_one()
    connection.execute(
        insert(moderation_reviews).values(
            case_id=case_id, workspace_id=workspace_id, state="pending", created_us=to_us(now)
        )
    )
    return int(case_id)


def attach_flags(connection: Connection, workspace_id: int, case_id: int, flag_ids: Iterable[int]) -> int:
    """Make flags evidence of a case (only flags of the workspace that no other case holds)."""
    ids = list(flag_ids)
    if not ids:
        return 0
    return int(
        connection.execute(
            update(moderation_flags)
            .where(
                moderation_flags.c.workspace_id == workspace_id,
                moderation_flags.c.id.in_(ids),
                moderation_flags.c.case_id.is_(None),
            )
            .values(case_id=case_id)
        ).rowcount
    )


def update_case_summary(
    connection: Connection, case_id: int, categories: list[str], summary: str, multi_account: bool
) -> None:
    connection.execute(
        update(moderation_cases)
        .where(moderation_cases.c.id == case_id)
        .values(categories=categories, summary=summary, multi_account=multi_account)
    )


def set_case_group(connection: Connection, case_id: int, group_id: int) -> None:
    """The group of the case's first violation, once known (where notices go)."""
    connection.execute(
        update(moderation_cases)
        .where(moderation_cases.c.id == case_id, moderation_cases.c.group_id.is_(None))
        .values(group_id=group_id)
    )


def case_summary(
    count: int,
    group_names: Sequence[str],
    categories: Sequence[str],
    multi_account: bool,
    labels: Callable[[Sequence[str]], list[str]] | None = None,
) -> Text:
    """A case in one line: how many flagged messages, where, of which categories (named by `labels`:
    `category_members`, what this version writes, unless given)."""
    where: str = listing(group_names) if group_names else Text("no group")
    if count == 1:
        summary = Text("{count} flagged message in {groups}", count=count, groups=where)
    else:
        summary = Text("{count} flagged messages in {groups}", count=count, groups=where)
    if categories:
        named = (labels or category_members)(categories)
        summary = Text("{summary}: {categories}", summary=summary, categories=listing(named))
    if multi_account:
        summary = Text("{summary}; posted from coordinated accounts", summary=summary)
    return summary


# Policy categories as sentences for people name them (the enum's values are codes: `spam_ads`).
CATEGORY_LABELS: dict[str, str] = {
    PolicyCategory.ILLEGAL: "illegal content",
    PolicyCategory.ABUSIVE: "abuse",
    PolicyCategory.SPAM_ADS: "ads and spam",
    PolicyCategory.VULGAR: "vulgar or sexual content",
    PolicyCategory.FALSE_INFO: "false information",
    PolicyCategory.SUPERSTITION: "superstition",
    PolicyCategory.CLICKBAIT: "clickbait",
    PolicyCategory.FAN_CHAOS: "fan-circle chaos",
}


def category_label(name: str) -> str:
    """A category in words ("ads and spam"), a label the console translates; a name this version does
    not know stays as it is."""
    return CATEGORY_LABELS.get(name, name)


def category_members(names: Sequence[str]) -> list[str]:
    # Labels (`Term`s: the English words, stored as labels), so that a page translates them; a name this
    # version does not know stays as it is.
    return [Term(category_label(n)) if n in CATEGORY_LABELS else n for n in names]


def _category_codes(names: Sequence[str]) -> list[str]:
    # How earlier versions named categories in sentences: the enum's members, whose English is the code.
    return [PolicyCategory(n) if n in PolicyCategory._value2member_map_ else n for n in names]


def _recognised_summary(stored: str, categories: Sequence[str], multi_account: bool) -> str:
    """A stored summary as the `Text` `case_summary` wrote, rebuilt from the case's categories and
    accounts with the count and group names it names (categories in words, or as codes in a summary an
    earlier version wrote)."""
    for labels in (category_members, _category_codes):
        rest = stored
        if multi_account:
            rest = rest.removesuffix("; posted from coordinated accounts")
        if categories:
            rest = rest.removesuffix(": " + ", ".join(str(c) for c in labels(categories)))
        found = re.fullmatch(r"(\d+) flagged messages? in (.*)", rest, re.DOTALL)
        if found is None:
            continue
        # Group names were listed with ", ": split back so, a name that has one reads as two in Chinese.
        names = [] if found[2] == "no group" else found[2].split(", ")
        rebuilt = recognised(stored, [case_summary(int(found[1]), names, categories, multi_account, labels)])
        if isinstance(rebuilt, Text):
            return rebuilt
    return stored


@dataclass(frozen=True, slots=True)
class CaseRow:
    id: int
    workspace_id: int
    member_id: int
    member_name: str
    group_id: int | None
    group_name: str | None
    categories: list[str]
    summary: str
    multi_account: bool
    opened_us: int
    state: str  # review state: pending / confirmed / overturned
    reviewer: str | None
    review_reason: str | None
    decided_us: int | None


def _case_query() -> Any:
    return (
        select(
            moderation_cases,
            members.c.display_name,
            groups.c.name.label("group_name"),
            moderation_reviews.c.state,
            moderation_reviews.c.reason,
            moderation_reviews.c.decided_us,
            users.c.username,
        )
        .join(members, members.c.id == moderation_cases.c.member_id)
        .outerjoin(groups, groups.c.id == moderation_cases.c.group_id)
        .join(moderation_reviews, moderation_reviews.c.case_id == moderation_cases.c.id)
        .outerjoin(users, users.c.id == moderation_reviews.c.reviewer_id)
    )


def _case(r: Any) -> CaseRow:
    return CaseRow(
        id=r["id"],
        workspace_id=r["workspace_id"],
        member_id=r["member_id"],
        member_name=r["display_name"],
        group_id=r["group_id"],
        group_name=r["group_name"],
        categories=list(r["categories"] or []),
        summary=_recognised_summary(r["summary"], list(r["categories"] or []), bool(r["multi_account"])),
        multi_account=bool(r["multi_account"]),
        opened_us=r["opened_us"],
        state=r["state"],
        reviewer=r["username"],
        review_reason=r["reason"],
        decided_us=r["decided_us"],
    )


def case_row(connection: Connection, workspace_id: int, case_id: int) -> CaseRow | None:
    row = (
        connection.execute(
            _case_query().where(
                moderation_cases.c.id == case_id, moderation_cases.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    return _case(row) if row is not None else None


def cases(
    connection: Connection,
    workspace_id: int,
    state: str | None = None,
    member_id: int | None = None,
    limit: int = 200,
) -> list[CaseRow]:
    query = _case_query().where(moderation_cases.c.workspace_id == workspace_id)
    if state is not None:
        query = query.where(moderation_reviews.c.state == state)
    if member_id is not None:
        query = query.where(moderation_cases.c.member_id == member_id)
    order = moderation_cases.c.id.asc() if state == "pending" else moderation_cases.c.id.desc()
    return [_case(r) for r in connection.execute(query.order_by(order).limit(limit)).mappings()]


def pending_case_for(connection: Connection, workspace_id: int, member_id: int) -> int | None:
    value = connection.execute(
        select(moderation_cases.c.id)
        .join(moderation_reviews, moderation_reviews.c.case_id == moderation_cases.c.id)
        .where(
            moderation_cases.c.workspace_id == workspace_id,
            moderation_cases.c.member_id == member_id,
            moderation_reviews.c.state == "pending",
        )
        .order_by(moderation_cases.c.id.desc())
        .limit(1)
    ).scalar()
    return int(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Evidence:
    flag_id: int
    event_id: int
    group_id: int
    group_name: str
    ts_us: int
    text: str
    score: float
    categories: list[str]
    findings: list[dict[str, Any]]
    spam_probability: float | None
    features: list[list[Any]]
    reasons: list[str]


def case_evidence(connection: Connection, case_id: int) -> list[Evidence]:
    rows = connection.execute(
        select(moderation_flags, events.c.text, groups.c.name)
        .join(events, events.c.id == moderation_flags.c.event_id)
        .join(groups, groups.c.id == moderation_flags.c.group_id)
        .where(moderation_flags.c.case_id == case_id)
        .order_by(moderation_flags.c.ts_us, moderation_flags.c.id)
    ).mappings()
    evidence = []
    for r in rows:
        findings = [_stored_finding(f) for f in r["findings"] or []]
        explained = [f["explanation"] for f in findings if isinstance(f.get("explanation"), Text)]
        evidence.append(
            Evidence(
                flag_id=r["id"],
                event_id=r["event_id"],
                group_id=r["group_id"],
                group_name=r["name"],
                ts_us=r["ts_us"],
                text=r["text"],
                score=float(r["score"]),
                categories=list(r["categories"] or []),
                findings=findings,
                spam_probability=r["spam_probability"],
                features=list(r["features"] or []),
                reasons=stored_reasons(
                    r["reasons"] or [], r["spam_probability"], r["features"] or [], explained
                ),
            )
        )
    return evidence


def _stored_finding(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored finding with its explanation read back as the `Text` it was, from the template and values
    kept beside it (which the finding then no longer carries: what pages and the API get is unchanged)."""
    finding = {k: v for k, v in stored.items() if k != "text"}
    written = Text.from_json(stored["text"]) if "text" in stored else None
    if written is not None and isinstance(finding.get("explanation"), str):
        finding["explanation"] = recognised(finding["explanation"], [written])
    return finding


def set_review(
    connection: Connection, case_id: int, state: str, reviewer_id: int | None, reason: str, now: datetime
) -> None:
    connection.execute(
        update(moderation_reviews)
        .where(moderation_reviews.c.case_id == case_id)
        .values(state=state, reviewer_id=reviewer_id, reason=reason, decided_us=to_us(now))
    )


def queue_counts(connection: Connection, workspace_id: int) -> dict[str, int]:
    rows = connection.execute(
        select(moderation_reviews.c.state, func.count())
        .where(moderation_reviews.c.workspace_id == workspace_id)
        .group_by(moderation_reviews.c.state)
    ).all()
    return {str(state): int(n) for state, n in rows}


# --- labels and models ------------------------------------------------------------------------------


def put_label(
    connection: Connection,
    workspace_id: int,
    text_key: str,
    text: str,
    is_spam: bool,
    case_id: int | None,
    user_id: int | None,
    now: datetime,
) -> None:
    """The latest decision on a text replaces earlier ones (a new id, so the next retraining sees it)."""
    # Inserted before the earlier decision is deleted: SQLite gives a new row the largest id plus one, and
    # so would give a deleted latest row's id again, one the stored model's `labels_through` already covers.
    label_id = connection.execute(
        insert(moderation_labels)
        .values(
            workspace_id=workspace_id,
            text_key=text_key,
            text=text,
            is_spam=is_spam,
            case_id=case_id,
            decided_by=user_id,
            decided_us=to_us(now),
        )
        .returning(moderation_labels.c.id)
    ).scalar_one()
    connection.execute(
        delete(moderation_labels).where(
            moderation_labels.c.workspace_id == workspace_id,
            moderation_labels.c.text_key == text_key,
            moderation_labels.c.id != label_id,
        )
    )


@dataclass(frozen=True, slots=True)
class Label:
    id: int
    text_key: str
    text: str
    is_spam: bool


def labels(connection: Connection, workspace_id: int, after_id: int = 0) -> list[Label]:
    rows = connection.execute(
        select(
            moderation_labels.c.id,
            moderation_labels.c.text_key,
            moderation_labels.c.text,
            moderation_labels.c.is_spam,
        )
        .where(moderation_labels.c.workspace_id == workspace_id, moderation_labels.c.id > after_id)
        .order_by(moderation_labels.c.id)
    ).all()
    return [Label(int(r[0]), str(r[1]), str(r[2]), bool(r[3])) for r in rows]


@dataclass(frozen=True, slots=True)
class StoredModel:
    model: bytes
    source: str
    labels_through: int
    trained_us: int


def stored_model(connection: Connection, workspace_id: int) -> StoredModel | None:
    row = (
        connection.execute(select(spam_models).where(spam_models.c.workspace_id == workspace_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return StoredModel(bytes(row["model"]), row["source"], row["labels_through"], row["trained_us"])


def put_model(
    connection: Connection, workspace_id: int, model: bytes, source: str, labels_through: int, now: datetime
) -> None:
    connection.execute(delete(spam_models).where(spam_models.c.workspace_id == workspace_id))
    connection.execute(
        insert(spam_models).values(
            workspace_id=workspace_id,
            model=model,
            source=source,
            labels_through=labels_through,
            trained_us=to_us(now),
        )
    )


# --- penalties -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PenaltyRow:
    id: int
    case_id: int | None
    penalty: Penalty
    explanation: str
    issued_by: str | None


def penalty_history(connection: Connection, workspace_id: int, member_id: int) -> list[PenaltyRow]:
    rows = connection.execute(
        select(penalties, users.c.username)
        .outerjoin(users, users.c.id == penalties.c.issued_by)
        .where(penalties.c.workspace_id == workspace_id, penalties.c.member_id == member_id)
        .order_by(penalties.c.starts_us, penalties.c.id)
    ).mappings()
    out = []
    for r in rows:
        penalty = Penalty(
            step=r["step"],
            kind=PenaltyKind(r["kind"]),
            issued_at=from_us(r["starts_us"]),
            until=from_us_or_none(r["ends_us"]),
            private=bool(r["private"]),
            lifted_at=from_us_or_none(r["lifted_us"]),
            skipped=r["skipped"],
        )
        explanation = recognised(r["explanation"], explanations(penalty))
        penalty = replace(penalty, explanation=explanation)
        out.append(PenaltyRow(r["id"], r["case_id"], penalty, explanation, r["username"]))
    return out


def insert_penalty(
    connection: Connection,
    workspace_id: int,
    member_id: int,
    case_id: int | None,
    penalty: Penalty,
    issued_by: int | None,
) -> int:
    return int(
        connection.execute(
            insert(penalties)
            .values(
                workspace_id=workspace_id,
                member_id=member_id,
                case_id=case_id,
                step=penalty.step,
                kind=penalty.kind.value,
                starts_us=to_us(penalty.issued_at),
                ends_us=to_us(penalty.until) if penalty.until is not None else None,
                private=penalty.private,
                skipped=penalty.skipped,
                explanation=penalty.explanation,
                issued_by=issued_by,
            )
            .returning(penalties.c.id)
        ).scalar_one()
    )


def lift_penalty_row(connection: Connection, penalty_id: int, lifted: Penalty, user_id: int | None) -> None:
    connection.execute(
        update(penalties)
        .where(penalties.c.id == penalty_id)
        .values(
            lifted_us=to_us(lifted.lifted_at) if lifted.lifted_at else None,
            ends_us=to_us(lifted.until) if lifted.until is not None else None,
            lifted_by=user_id,
        )
    )


# --- appeals ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppealRow:
    id: int
    workspace_id: int
    case_id: int
    token: str
    state: str  # open / filed / upheld / rejected
    statement: str | None
    filed_us: int | None
    decision_reason: str | None
    decided_by: str | None
    decided_us: int | None
    member_id: int
    member_name: str


def _appeal_query() -> Any:
    return (
        select(appeals, moderation_cases.c.member_id, members.c.display_name, users.c.username)
        .join(moderation_cases, moderation_cases.c.id == appeals.c.case_id)
        .join(members, members.c.id == moderation_cases.c.member_id)
        .outerjoin(users, users.c.id == appeals.c.decided_by)
    )


def _appeal(r: Any) -> AppealRow:
    return AppealRow(
        id=r["id"],
        workspace_id=r["workspace_id"],
        case_id=r["case_id"],
        token=r["token"],
        state=r["state"],
        statement=r["statement"],
        filed_us=r["filed_us"],
        decision_reason=r["decision_reason"],
        decided_by=r["username"],
        decided_us=r["decided_us"],
        member_id=r["member_id"],
        member_name=r["display_name"],
    )


def appeal_for_case(connection: Connection, case_id: int) -> AppealRow | None:
    row = connection.execute(_appeal_query().where(appeals.c.case_id == case_id)).mappings().first()
    return _appeal(row) if row is not None else None


def appeal_by_token(connection: Connection, token: str) -> AppealRow | None:
    row = connection.execute(_appeal_query().where(appeals.c.token == token)).mappings().first()
    return _appeal(row) if row is not None else None


def appeal_row(connection: Connection, workspace_id: int, appeal_id: int) -> AppealRow | None:
    row = (
        connection.execute(
            _appeal_query().where(appeals.c.id == appeal_id, appeals.c.workspace_id == workspace_id)
        )
        .mappings()
        .first()
    )
    return _appeal(row) if row is not None else None


def appeal_list(
    connection: Connection, workspace_id: int, state: str | None, limit: int = 200
) -> list[AppealRow]:
    query = _appeal_query().where(appeals.c.workspace_id == workspace_id)
    if state is not None:
        query = query.where(appeals.c.state == state)
    return [
        _appeal(r) for r in connection.execute(query.order_by(appeals.c.id.desc()).limit(limit)).mappings()
    ]


def insert_appeal(connection: Connection, workspace_id: int, case_id: int, token: str, now: datetime) -> None:
    connection.execute(
        insert(appeals).values(
            workspace_id=workspace_id, case_id=case_id, token=token, state="open", created_us=to_us(now)
        )
    )


def file_appeal_row(connection: Connection, appeal_id: int, statement: str, now: datetime) -> None:
    connection.execute(
        update(appeals)
        .where(appeals.c.id == appeal_id)
        .values(state="filed", statement=statement, filed_us=to_us(now))
    )


def close_unfiled_appeal(connection: Connection, case_id: int, now: datetime) -> None:
    """The case's appeal link, if the member never used it, closed: the case went their way."""
    connection.execute(
        update(appeals)
        .where(appeals.c.case_id == case_id, appeals.c.state == "open")
        .values(state="closed", decided_us=to_us(now))
    )


def decide_appeal_row(
    connection: Connection, appeal_id: int, state: str, reason: str, user_id: int | None, now: datetime
) -> None:
    connection.execute(
        update(appeals)
        .where(appeals.c.id == appeal_id)
        .values(state=state, decision_reason=reason, decided_by=user_id, decided_us=to_us(now))
    )


# --- members and groups ----------------------------------------------------------------------------


def member_row(connection: Connection, workspace_id: int, member_id: int) -> Any:
    return connection.execute(
        select(members).where(members.c.id == member_id, members.c.workspace_id == workspace_id)
    ).first()


def member_groups(connection: Connection, workspace_id: int, member_id: int, present_only: bool) -> list[int]:
    """Groups of the workspace the member is in (present_only) or has ever been in (from memberships)."""
    condition = and_(memberships.c.member_id == member_id, groups.c.workspace_id == workspace_id)
    if present_only:
        condition = and_(condition, memberships.c.left_us.is_(None))
    rows = connection.execute(
        select(memberships.c.group_id).join(groups, groups.c.id == memberships.c.group_id).where(condition)
    ).all()
    return sorted(int(r[0]) for r in rows)


def group_in_workspace(connection: Connection, workspace_id: int, group_id: int) -> Any:
    return connection.execute(
        select(groups.c.id, groups.c.name, groups.c.platform).where(
            groups.c.id == group_id, groups.c.workspace_id == workspace_id
        )
    ).first()


def workspace_groups(connection: Connection, workspace_id: int) -> list[Any]:
    return list(
        connection.execute(
            select(groups.c.id, groups.c.name, groups.c.platform)
            .where(groups.c.workspace_id == workspace_id)
            .order_by(groups.c.name, groups.c.id)
        ).all()
    )


# --- analytics input -------------------------------------------------------------------------------


def flagged_counts(connection: Connection, workspace_id: int, start_us: int, end_us: int) -> dict[int, int]:
    """Flagged messages per group with message time in [start_us, end_us): the spam-burst alert's input."""
    rows = connection.execute(
        select(moderation_flags.c.group_id, func.count())
        .where(
            moderation_flags.c.workspace_id == workspace_id,
            moderation_flags.c.ts_us >= start_us,
            moderation_flags.c.ts_us < end_us,
        )
        .group_by(moderation_flags.c.group_id)
    ).all()
    return {int(g): int(n) for g, n in rows}


def flagged_on_day(connection: Connection, workspace_id: int, day: date) -> dict[int, int]:
    """Flagged messages per group sent on the local day `day` of that group's timezone (the workspace's
    where the group has none): what the spam-burst alert of the day's summaries counts."""
    ids = connection.execute(select(groups.c.id).where(groups.c.workspace_id == workspace_id)).scalars()
    zones = group_zones(connection, [int(group_id) for group_id in ids])
    if not zones:
        return {}
    # Every zone's day lies within a UTC day widened by the largest offsets (±14 hours).
    widest = 14 * 3_600_000_000
    start = day_start_us(day, UTC_ZONE) - widest
    end = day_end_us(day, UTC_ZONE) + widest
    counts: dict[int, int] = {}
    for group_id, ts_us in connection.execute(
        select(moderation_flags.c.group_id, moderation_flags.c.ts_us).where(
            moderation_flags.c.workspace_id == workspace_id,
            moderation_flags.c.ts_us >= start,
            moderation_flags.c.ts_us < end,
        )
    ):
        zone = zones.get(int(group_id))
        if zone is not None and local_day(ts_us, zone) == day:
            counts[int(group_id)] = counts.get(int(group_id), 0) + 1
    return counts
