"""A dry run of moderation over imported history: what the rules would flag, per rule and per category,
with examples, storing nothing, so rules can be tuned before they act.

It judges the same events with the same rules, classifier and event-log context as
`service.moderate_new_events`, inside a connection that is never committed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from qunops.core.time import from_us
from qunops.moderation import store
from qunops.moderation.service import NotFound, RuleBook, Window, judge, load_classifier, rules_fired

EXAMPLES = 3  # per rule and per category: enough to see what a rule catches, short enough to read


@dataclass(frozen=True, slots=True)
class Example:
    event_id: int
    group: str
    time: str
    text: str
    score: float
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "group": self.group,
            "time": self.time,
            "text": self.text,
            "score": self.score,
            "reasons": list(self.reasons),
        }


@dataclass(slots=True)
class Tally:
    count: int = 0
    examples: list[Example] = field(default_factory=list)

    def add(self, example: Example) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "examples": [e.as_json() for e in self.examples]}


@dataclass(slots=True)
class DryRunReport:
    judged: int = 0
    flagged: int = 0
    classifier: str = ""
    by_rule: dict[str, Tally] = field(default_factory=dict)
    by_category: dict[str, Tally] = field(default_factory=dict)
    by_group: Counter[str] = field(default_factory=Counter)
    flagged_event_ids: list[int] = field(default_factory=list)
    flagged_members: set[int] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": True,
            "judged": self.judged,
            "flagged": self.flagged,
            "flagged_members": len(self.flagged_members),
            "classifier": self.classifier,
            "by_rule": {k: v.as_json() for k, v in sorted(self.by_rule.items(), key=lambda kv: -kv[1].count)},
            "by_category": {
                k: v.as_json() for k, v in sorted(self.by_category.items(), key=lambda kv: -kv[1].count)
            },
            "by_group": dict(self.by_group.most_common()),
        }


def dry_run(
    engine: Engine,
    workspace_id: int,
    now: datetime,
    group_id: int | None = None,
    since_us: int | None = None,
    until_us: int | None = None,
    training_data: Path | None = None,
) -> DryRunReport:
    """What moderation would flag in the workspace's history (optionally one group, from a time on)."""
    report = DryRunReport()
    with engine.connect() as connection:
        try:
            if group_id is not None and store.group_in_workspace(connection, workspace_id, group_id) is None:
                raise NotFound(f"no group {group_id} in this workspace")
            names = {row.id: row.name for row in store.workspace_groups(connection, workspace_id)}
            choice = load_classifier(connection, workspace_id, now, training_data, persist=False)
            report.classifier = choice.source
            book = RuleBook(connection, workspace_id, choice)
            window = Window(since_us=since_us, until_us=until_us, group_id=group_id)
            for item in judge(connection, workspace_id, window, book):
                report.judged += 1
                if not item.verdict.flagged:
                    continue
                report.flagged += 1
                report.flagged_event_ids.append(item.event_id)
                if item.member_id is not None:
                    report.flagged_members.add(item.member_id)
                group = names.get(item.group_id, str(item.group_id))
                report.by_group[group] += 1
                example = Example(
                    item.event_id,
                    group,
                    from_us(item.ts_us).isoformat(timespec="seconds"),
                    item.text[:200],
                    item.verdict.score,
                    item.verdict.reasons,
                )
                for rule in rules_fired(item.verdict) or ["score"]:
                    report.by_rule.setdefault(rule, Tally()).add(example)
                for category in item.verdict.categories:
                    report.by_category.setdefault(category.value, Tally()).add(example)
        finally:
            # Nothing a dry run touched is kept, whatever happened (judging only reads; this is the guard).
            connection.rollback()
    return report
