"""A dry run over a simulated community: it finds the planted spam and stores nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from qunops.actions import Actor
from qunops.core.events import GroupRef
from qunops.core.keys import source_key
from qunops.core.platforms import Platform
from qunops.core.time import day_start_us
from qunops.ingestion import import_events
from qunops.moderation import service
from qunops.moderation.commands import moderate_command
from qunops.moderation.dry_run import DryRunReport, dry_run
from qunops.simulate import Community, SimulationConfig, simulate
from qunops.store.registry import mark_operators
from qunops.store.rollups import fill_rollups
from qunops.store.schema import events, groups
from tests.factories import T0
from tests.store_helpers import table_states

CONFIG = SimulationConfig(seed=7, groups=6, days=30)
# Tuned after reading the default run's report: the simulated members share example.com links, which
# newcomers' first messages carry too. (Their stock phrases, repeated by many established members, count
# as echoes, not campaigns: the duplicate rule needs no switching off.)
TUNED = {"allowed_domains": ["example.com"]}


@pytest.fixture
def community(engine: Engine, workspace: int) -> Community:
    simulated = simulate(CONFIG)
    import_events(engine, workspace, simulated.events())
    with engine.begin() as connection:
        mark_operators(connection, workspace, simulated.operators)
    fill_rollups(engine)
    return simulated


def precision_recall(engine: Engine, community: Community, report: DryRunReport) -> tuple[float, float]:
    with engine.connect() as connection:
        keys = {int(i): bytes(k) for i, k in connection.execute(select(events.c.id, events.c.key))}
        platforms = {
            str(g): str(p) for g, p in connection.execute(select(groups.c.external_id, groups.c.platform))
        }
    truth = {source_key(GroupRef(Platform(platforms[g]), g, ""), sid) for g, sid in community.truth.spam_keys}
    flagged = {keys[i] for i in report.flagged_event_ids}
    hits = len(flagged & truth)
    return hits / max(1, len(flagged)), hits / len(truth)


def test_a_dry_run_finds_the_planted_spam_and_stores_nothing(
    engine: Engine, workspace: int, community: Community
) -> None:
    before = table_states(engine)
    report = dry_run(engine, workspace, T0)
    assert table_states(engine) == before
    precision, recall = precision_recall(engine, community, report)
    assert recall == 1.0  # every planted ad is caught by the default rules
    assert precision > 0.2  # …along with newcomers' links: what the report is for (see TUNED)
    assert "duplicate" not in report.as_json()["by_rule"]  # stock phrases echoed are not flagged
    assert report.judged > 10_000 and report.classifier == "rules only (no spam model yet)"
    summary = report.as_json()
    assert {"newcomer", "contact", "keyword"} <= set(summary["by_rule"])
    assert summary["by_category"]["spam_ads"]["count"] == report.flagged
    assert all(len(t["examples"]) <= 3 for t in summary["by_rule"].values())

    with engine.begin() as connection:
        service.update_rules(connection, workspace, None, "No ads.", TUNED, Actor.system("test"), T0)
    tuned = dry_run(engine, workspace, T0)
    assert precision_recall(engine, community, tuned) == (1.0, 1.0)


def test_a_dry_run_narrows_to_a_group_and_a_start_day(
    engine: Engine, workspace: int, community: Community
) -> None:
    with engine.connect() as connection:
        group_id = connection.execute(select(groups.c.id).order_by(groups.c.id)).scalars().first()
    assert group_id is not None
    whole = dry_run(engine, workspace, T0)
    one = dry_run(engine, workspace, T0, group_id=group_id)
    start = day_start_us(date(2026, 11, 10), ZoneInfo("Asia/Shanghai"))
    recent = dry_run(engine, workspace, T0, since_us=start)
    assert 0 < one.judged < whole.judged and 0 < recent.judged < whole.judged
    assert set(one.by_group) <= {n for n in whole.by_group}
    with pytest.raises(service.NotFound, match="no group 99999"):
        dry_run(engine, workspace, T0, group_id=99_999)


def test_the_moderate_command_dry_run_and_stored_run(
    engine: Engine, workspace: int, community: Community, tmp_path: Path
) -> None:
    app = typer.Typer()
    app.command("moderate")(moderate_command)
    app.command("noop")(lambda: None)  # a second command keeps `moderate` a named subcommand
    runner = CliRunner()
    url = engine.url.render_as_string(hide_password=False)
    before = table_states(engine)
    result = runner.invoke(app, ["moderate", "--dry-run", "--json", "--database", url])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and data["flagged"] > 0
    assert table_states(engine) == before
    bad = runner.invoke(app, ["moderate", "--dry-run", "--since", "yesterday", "--database", url])
    assert bad.exit_code != 0 and "--since: expected a day like 2026-11-01" in str(bad.exception)
    stored = runner.invoke(app, ["moderate", "--json", "--database", url])
    assert stored.exit_code == 0, stored.output
    run = json.loads(stored.stdout)
    assert run["flagged"] == data["flagged"] and run["cases_opened"] == data["flagged_members"]
    assert run["penalties"] == 0  # no rule asks for automatic penalties


def test_the_report_raises_a_spam_burst_where_moderation_flagged_messages(
    engine: Engine, workspace: int, community: Community
) -> None:
    # Flags stored by the real moderation run feed the day's summaries: a group with at least
    # `spam_burst_flagged` flagged messages on a local day gets the spam-burst alert in that day's report.
    from collections import Counter

    from qunops.analytics.cli import report_command
    from qunops.core.time import local_day
    from qunops.store.schema import moderation_flags

    assert service.moderate_new_events(engine, workspace, T0).flagged > 0
    zone = ZoneInfo(CONFIG.timezone)
    with engine.connect() as connection:
        flags = Counter(
            (int(g), local_day(int(ts), zone))
            for g, ts in connection.execute(select(moderation_flags.c.group_id, moderation_flags.c.ts_us))
        )
    (group_id, day), most = flags.most_common(1)[0]
    assert most >= 3, flags
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("noop")(lambda: None)
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["report", "--as-of", day.isoformat(), "--json", "--database", url])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    bursts = {g for g, row in rows.items() if any(a["kind"] == "spam_burst" for a in row["alerts"])}
    expected = {g for (g, d), n in flags.items() if d == day and n >= 3}
    assert group_id in bursts and bursts == expected
