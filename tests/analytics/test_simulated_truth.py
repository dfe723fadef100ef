"""Recovering the simulator's planted truth: fates, dying groups flagged early, answerers, opinion leaders.

Precision and recall are printed (run with -s to read them) and held to floors. Answerers and opinion
leaders follow product.md's definitions, which are broader than what the simulator plants (anyone who
writes within 10 minutes of a question "answers" it; the top 5% of a large group are several people), so
their precision is low by definition while recall is complete; the suggested expert and KOL (the
leading answerer and opinion leader of each group) are measured too and are precise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.core.roles import Role
from qunops.demo import build_demo
from qunops.simulate import Community, SimulationConfig, simulate
from qunops.store.schema import groups, members

CONFIG = SimulationConfig(seed=7, groups=30, days=120)


@dataclass
class World:
    engine: Engine
    community: Community
    external: dict[int, str]  # member id -> external id
    group_ids: dict[str, int]  # external id -> group id

    def summaries(self, as_of: date, group: str | None = None) -> list[GroupSummary]:
        with self.engine.connect() as connection:
            return group_summaries(connection, 1, as_of, [self.group_ids[group]] if group else None)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path: Path = tmp_path_factory.mktemp("sim") / "sim.db"
    engine = build_demo(path, CONFIG.seed, CONFIG.timezone, CONFIG, moderated=False)
    with engine.connect() as connection:
        external = dict(connection.execute(select(members.c.id, members.c.external_id)).all())
        group_ids = {e: i for i, e in connection.execute(select(groups.c.id, groups.c.external_id))}
    yield World(engine, simulate(CONFIG), external, group_ids)
    engine.dispose()


def test_planned_fates_are_the_stages_as_of_the_last_day(world: World) -> None:
    plan = world.community.truth.stage_plan
    found = {s.external_id: s.stage for s in world.summaries(CONFIG.end)}
    for fate in ("dead", "dormant", "launching", "completed"):
        planned = [g for g, f in plan.items() if f == fate]
        assert planned, fate
        assert {found[g] for g in planned} == {fate}, fate
    agreement = sum(found[g] == f for g, f in plan.items()) / len(plan)
    print(f"\nstage agreement with the planned fate, all {len(plan)} groups: {agreement:.0%}")
    assert agreement >= 0.9


def test_temporary_groups_end_completed_not_dead(world: World) -> None:
    truth = world.community.truth
    ended = [g for g, end in truth.planned_end.items() if end < CONFIG.end]
    assert ended
    for g in ended:
        (s,) = world.summaries(CONFIG.end, g)
        assert s.stage == "completed" and not s.alerts
        # After its planned end and 14 silent days it would be dead if it were a long-term group.
        assert s.silence_hours is not None


def test_dying_groups_are_flagged_before_they_die(world: World) -> None:
    truth = world.community.truth
    assert truth.death_day
    for g, last_day in truth.death_day.items():
        flagged = [
            k
            for k in range(0, 8)
            if any(
                a.kind in ("cooling", "dormant")
                for a in world.summaries(last_day - timedelta(days=k), g)[0].alerts
            )
        ]
        print(f"\n{g}: last member message {last_day}, cooling/dormant alert on days before it: {flagged}")
        assert flagged, g
        # Three silent days after its last member message it is dormant, eleven days before it is dead.
        dormant = world.summaries(last_day + timedelta(days=3), g)[0]
        assert dormant.stage == "dormant" and dormant.alerts[0].kind == "dormant"


def _precision_recall(found: dict[str, set[str]], planted: dict[str, set[str]]) -> tuple[float, float]:
    tp = sum(len(found[g] & planted[g]) for g in found)
    fp = sum(len(found[g] - planted[g]) for g in found)
    fn = sum(len(planted[g] - found[g]) for g in found)
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def test_planted_answerers_and_opinion_leaders_are_found(world: World) -> None:
    truth = world.community.truth
    live = [g for g, f in truth.stage_plan.items() if f not in ("dead", "dormant", "completed")]
    summaries = {s.external_id: s for s in world.summaries(CONFIG.end) if s.external_id in live}

    def holders(role: Role) -> dict[str, set[str]]:
        return {g: {world.external[m.member_id] for m in s.roles.holders(role)} for g, s in summaries.items()}

    def suggested(role: Role) -> dict[str, set[str]]:
        return {
            g: {world.external[x.member_id] for x in s.suggestions if x.role is role}
            for g, s in summaries.items()
        }

    experts = {g: truth.experts[g] for g in summaries}
    leaders = {g: truth.opinion_leaders[g] for g in summaries}
    a_p, a_r = _precision_recall(holders(Role.ANSWERER), experts)
    l_p, l_r = _precision_recall(holders(Role.OPINION_LEADER), leaders)
    sa_p, sa_r = _precision_recall(suggested(Role.EXPERT), experts)
    sl_p, sl_r = _precision_recall(suggested(Role.KOL), leaders)
    print(
        f"\n{len(summaries)} live groups; answerers P {a_p:.2f} R {a_r:.2f}; opinion leaders P {l_p:.2f} "
        f"R {l_r:.2f}; suggested experts P {sa_p:.2f} R {sa_r:.2f}; suggested KOLs P {sl_p:.2f} R {sl_r:.2f}"
    )
    assert a_r >= 0.9 and l_r >= 0.9
    assert a_p >= 0.05 and l_p >= 0.15
    assert sa_p >= 0.5 and sl_p >= 0.8
