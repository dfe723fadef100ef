"""`qunops report --as-of 2016-08-07 --json` on the real QQ sample, checked against a hand count.

How the week 2016-08-01 … 2016-08-07 (Asia/Shanghai) was counted, by reading the file:
    F=group_export_anonymized.txt
    grep -E "^2016-08-0D [0-9]{1,2}:[0-9]{2}:[0-9]{2} " $F | grep -v '系统消息(10000)'      # messages
    … | sed -E 's/^[^ ]+ [^ ]+ //; s/.*\\(([0-9]+)\\)$/\\1/; s/.*<([^>]+)>$/\\1/' | sort -u   # senders
per day, messages / distinct senders (QQ number or e-mail):
    08-01 67/16   08-02 4/2   08-03 4/3   08-04 44/11   08-05 12/4   08-06 0/0   08-07 3/2
so every day but 08-06 is active: WAD 6, messages per active day 134 / 6 = 22.33.
The last member message of 08-07 is at 14:09:25; silence at midnight: 9 h 50 min 35 s = 9.843 h.
Senders from the start of the file (07-19, inside the 30 days) to 08-07: 62 distinct people.
System lines (`系统消息(10000)`) up to 08-07 announce 4 joins: 新人001 and 成员023 on 07-21, 成员043 on
08-01, 成员056 on 08-03; no leave. A system line names people by card only; the importer resolves the
card to a QQ number when that card already appeared as a sender (成员023 and 成员043 post in the same
second as their join), and the store links the others to the one member of the group with a QQ number who
used that card (成员056, who first speaks on 08-05): only 新人001, who never speaks, stays a name-only
member. Members at the end of 08-07: 62 speakers + 新人001 = 63; speaker ratio 62 / 63; lurkers 1 / 63.
New members speaking: 成员043 on 08-01 (joined that day) and 成员056 on 08-05 (joined 08-03): 2 over
6 active days = 0.33.
No red packets in the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qunops.analytics.cli import report_command
from tests.conftest import shared_path


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_command)
    app.command("noop")(lambda: None)  # two commands keep "report" a subcommand
    return app


@pytest.fixture
def qq_store(tmp_path: Path) -> dict[str, str]:
    sample = shared_path("samples", "qq", "group_export_anonymized.txt")
    env = {
        **os.environ,
        "QUNOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'qq.db'}",
        "QUNOPS_ADMIN_PASSWORD": "correct horse",
    }
    for args in (("init",), ("import", str(sample), "--json")):
        done = subprocess.run(
            [sys.executable, "-m", "qunops.cli", *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return env


def test_report_json_matches_the_hand_count(qq_store: dict[str, str]) -> None:
    result = CliRunner().invoke(
        _app(), ["report", "--as-of", "2016-08-07", "--json", "--database", qq_store["QUNOPS_DATABASE_URL"]]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["name"] == "2015级研究生交流群" and row["platform"] == "qq"
    assert row["daily_member_messages"][-7:] == [67, 4, 4, 44, 12, 0, 3]
    assert row["wad"] == 6
    assert row["messages_per_active_day"] == pytest.approx(134 / 6, abs=0.01)
    assert row["silence_hours"] == pytest.approx(9 + 50 / 60 + 35 / 3600, abs=0.01)
    assert row["members"] == 63
    assert row["speakers_30d"] == 62
    assert row["speaker_ratio"] == pytest.approx(62 / 63, abs=1e-4)
    assert row["lurker_share"] == pytest.approx(1 / 63, abs=1e-4)
    assert row["new_member_speakers_per_active_day"] == pytest.approx(2 / 6, abs=0.01)
    assert row["red_packet_first_claim_s"] is None
    assert row["stage"] == "thriving"  # WAD 6, and 134 messages against 35 the week before: no drop
    assert 0 <= row["health_score"] <= 100
    assert "forecast_dead_14d" in row
    assert isinstance(row["roles"], list) and isinstance(row["alerts"], list)


def test_report_table_html_and_errors(qq_store: dict[str, str], tmp_path: Path) -> None:
    url = qq_store["QUNOPS_DATABASE_URL"]
    wide = {"COLUMNS": "250"}  # rich shortens cells to the terminal width
    table = CliRunner().invoke(_app(), ["report", "--as-of", "2016-08-07", "--database", url], env=wide)
    assert table.exit_code == 0 and "2015级研究生交流群" in table.stdout and "thriving" in table.stdout
    page = tmp_path / "report.html"
    made = CliRunner().invoke(
        _app(), ["report", "--as-of", "2016-08-07", "--group", "1", "--html", str(page), "--database", url]
    )
    assert made.exit_code == 0, made.output
    text = page.read_text(encoding="utf-8")
    assert "echarts" in text and "<script src" not in text and "http://" not in text.split("<script>")[0]
    assert '"member_messages"' in text and "2015级研究生交流群" in text
    missing = CliRunner().invoke(_app(), ["report", "--group", "99", "--database", url])
    assert missing.exit_code != 0 and "no group 99" in str(missing.exception)


def test_the_report_uses_the_thresholds_set_in_the_console(qq_store: dict[str, str]) -> None:
    from sqlalchemy import select

    from qunops.console.state import save_workspace_settings
    from qunops.store.db import open_engine
    from qunops.store.schema import users, workspaces

    engine = open_engine(qq_store["QUNOPS_DATABASE_URL"])
    with engine.begin() as connection:
        workspace_id, zone = connection.execute(select(workspaces.c.id, workspaces.c.timezone)).one()
        admin = connection.execute(select(users.c.id)).scalar_one()
        save_workspace_settings(connection, workspace_id, admin, zone, {"thriving_wad": 7})
    engine.dispose()
    result = CliRunner().invoke(
        _app(), ["report", "--as-of", "2016-08-07", "--json", "--database", qq_store["QUNOPS_DATABASE_URL"]]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["wad"] == 6 and row["stage"] != "thriving"  # thriving now needs 7 active days of 7
