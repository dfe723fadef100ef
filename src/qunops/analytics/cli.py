"""`qunops report`: group health, stages, roles and alerts as a terminal table, JSON or a self-contained
HTML page with charts (the vendored ECharts is inlined: the file opens offline, no CDN)."""

from __future__ import annotations

import html as html_escape
import json
import logging
import sys
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Connection, select

from qunops.analytics.groups import GroupSummary, group_summaries
from qunops.cli_support import DatabaseOption, WorkspaceOption
from qunops.store.schema import groups

ECHARTS = "echarts-5.6.0.min.js"
log = logging.getLogger(__name__)


def report_command(
    group: Annotated[
        int | None, typer.Option("--group", help="Only this group (its id in `qunops groups`).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Report as of the end of this day, in the workspace's timezone (default: today).",
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report with charts to FILE.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workspace: WorkspaceOption = None,
    database: DatabaseOption = None,
) -> None:
    """Health, lifecycle stage, roles and alerts of every group (or one), as of a date (default: today)."""
    from qunops.cli_support import CliError, group_id_option, out, settings_and_engine, workspace_of

    asked = _as_date(as_of)
    _, engine = settings_and_engine(database, writes=False)
    workspace_id, zone = workspace_of(engine, workspace)
    day = asked or datetime.now(ZoneInfo(zone)).date()
    with engine.connect() as connection:
        if group is not None:
            owner = None
            if group_id_option(group):
                query = select(groups.c.workspace_id).where(groups.c.id == group)
                owner = connection.execute(query).scalar()
            if owner != workspace_id:
                raise CliError(f"--group: no group {group} in this workspace (see `qunops groups`)")
        # The report is an entry point: it joins moderation's flags of the day (spam bursts) and the
        # thresholds set in the console's settings to the analytics, so both show the same.
        from qunops.console.state import workspace_thresholds
        from qunops.moderation.store import flagged_on_day

        flagged = flagged_on_day(connection, workspace_id, day)
        thresholds = workspace_thresholds(connection, workspace_id)
        with engine.connect() as fresh:  # no transaction yet: the summaries may read beside it
            only = [group] if group is not None else None
            summaries = group_summaries(fresh, workspace_id, day, only, flagged, thresholds=thresholds)
        rows = [_json_row(connection, s, day) for s in summaries] if as_json or html else []
        detail = None
        if html is not None and group is not None:
            from qunops.analytics.detail import group_detail

            found = group_detail(connection, group, day)
            detail = found.as_json() if found else None
    if html is not None:
        try:
            html.write_text(render_html(rows, day, detail), encoding="utf-8")
        except OSError as exc:
            raise CliError(f"--html: cannot write {html} ({exc.strerror or exc})") from None
        if not as_json:
            out.print(f"report written to {html}")
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif html is None:
        _print_table(summaries, day)


# The days a report can be asked for: the analytics look years back from the day and days beyond it,
# which the calendar must hold; no chat history lies outside.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9990, 12, 31)


def _as_date(value: str | None) -> date | None:
    """The day `--as-of` names; a CliError saying what is wrong otherwise."""
    from qunops.cli_support import CliError

    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise CliError(f"--as-of: expected a day like 2026-11-24 (YYYY-MM-DD), not {value!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CliError(
            f"--as-of: {day.isoformat()} is outside {FIRST_DAY.isoformat()}…{LAST_DAY.isoformat()}"
        )
    return day


def forecast(connection: Connection, group_id: int, as_of: date) -> float | None:
    """The death forecast, when the forecasting module is installed (it is built separately)."""
    try:
        from qunops.analytics.forecast import forecast_dead_14d
    except ImportError:
        return None
    try:
        value = forecast_dead_14d(connection, group_id, as_of)
    except Exception:  # a broken forecast must not take the rest of the report down with it
        log.warning("death forecast failed for group %s", group_id, exc_info=True)
        return None
    return None if value is None else round(float(value), 4)


def _json_row(connection: Connection, summary: GroupSummary, as_of: date) -> dict[str, Any]:
    row = summary.as_json()
    row["forecast_dead_14d"] = forecast(connection, summary.id, as_of)
    row["daily_member_messages"] = summary.daily_member_messages
    return row


def _print_table(summaries: list[GroupSummary], as_of: date) -> None:
    from rich.table import Table

    from qunops.cli_support import out

    table = Table(
        "id",
        "name",
        "platform",
        "members",
        "stage",
        "health",
        "WAD",
        "msgs/active day",
        "new speakers/active day",
        "speaker ratio",
        "lurkers",
        "silence h",
        "alerts",
        title=f"groups as of {as_of.isoformat()}",
    )
    for s in sorted(summaries, key=lambda s: s.health_score):
        table.add_row(
            str(s.id),
            s.name,
            s.platform,
            str(s.members),
            s.stage,
            f"{s.health_score:.0f}",
            str(s.wad),
            f"{s.messages_per_active_day:.1f}",
            f"{s.new_member_speakers_per_active_day:.1f}",
            f"{s.speaker_ratio:.0%}",
            f"{s.lurker_share:.0%}",
            "—" if s.silence_hours is None else f"{s.silence_hours:.0f}",
            ", ".join(a.kind for a in s.alerts) or "—",
        )
    out.print(table)
    if len(summaries) == 1:
        s = summaries[0]
        out.print(f"[bold]{s.name}[/bold]: {s.stage} ({s.stage_reason}); health {s.health_score:.0f}")
        for line in s.health_explanation:
            out.print(f"  {line}", highlight=False)
        for alert in s.alerts:
            out.print(f"  [red]alert[/red] {alert.message}", highlight=False)
        for action in s.recommendations:
            out.print(f"  [green]do[/green] {action.title} — {action.reason}", highlight=False)
        for suggestion in s.suggestions:
            out.print(f"  [blue]role[/blue] {suggestion.name}: {suggestion.role} — {suggestion.reason}")


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(rows: list[dict[str, Any]], as_of: date, detail: dict[str, Any] | None = None) -> str:
    """A self-contained page: the groups table, health and stage charts, and one group's detail charts."""
    echarts = resources.files("qunops.console").joinpath("static", "vendor", ECHARTS).read_text("utf-8")
    e = html_escape.escape
    body_rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(str(v))}</td>"
            for v in (
                r["id"],
                r["name"],
                r["platform"],
                r["members"],
                r["stage"],
                r["health_score"],
                r["wad"],
                r["messages_per_active_day"],
                r["new_member_speakers_per_active_day"],
                f"{r['speaker_ratio']:.0%}",
                f"{r['lurker_share']:.0%}",
                "—" if r["silence_hours"] is None else r["silence_hours"],
                "—" if r["forecast_dead_14d"] is None else f"{r['forecast_dead_14d']:.0%}",
                "; ".join(a["message"] for a in r["alerts"]) or "—",
                "; ".join(a["title"] for a in r["recommendations"][:3]) or "—",
            )
        )
        + "</tr>"
        for r in sorted(rows, key=lambda r: r["health_score"])
    )
    detail_block = (
        '<h2>Group detail</h2><div id="series" class="chart"></div><div id="heatmap" class="chart"></div>'
        if detail
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qunops report {as_of.isoformat()}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border: 1px solid #ddd; padding: 3px 6px; vertical-align: top; }}
th {{ background: #f4f4f4; }}
.chart {{ width: 100%; max-width: 1100px; height: 320px; }}
</style>
<script>{echarts}</script></head>
<body>
<h1>Groups as of {as_of.isoformat()}</h1>
<div id="health" class="chart"></div><div id="stages" class="chart"></div>
{detail_block}
<table><thead><tr><th>id</th><th>name</th><th>platform</th><th>members</th><th>stage</th><th>health</th>
<th>WAD</th><th>msgs/active day</th><th>new speakers/active day</th><th>speaker ratio</th><th>lurkers</th>
<th>silence h</th><th>death risk 14d</th><th>alerts</th><th>recommended</th></tr></thead>
<tbody>{body_rows}</tbody></table>
<script>
const rows = {_script_json([{k: r[k] for k in ("id", "name", "stage", "health_score")} for r in rows])};
const detail = {_script_json(detail)};
const health = echarts.init(document.getElementById("health"));
health.setOption({{title: {{text: "Health score"}}, tooltip: {{}}, grid: {{bottom: 90}},
  xAxis: {{type: "category", data: rows.map(r => r.name), axisLabel: {{rotate: 40}}}},
  yAxis: {{type: "value", max: 100}}, series: [{{type: "bar", data: rows.map(r => r.health_score)}}]}});
const counts = {{}};
rows.forEach(r => {{ counts[r.stage] = (counts[r.stage] || 0) + 1; }});
const stages = echarts.init(document.getElementById("stages"));
stages.setOption({{title: {{text: "Lifecycle stages"}}, tooltip: {{}},
  series: [{{type: "pie", radius: "60%",
    data: Object.entries(counts).map(([name, value]) => ({{name, value}}))}}]}});
if (detail) {{
  const s = detail.series;
  echarts.init(document.getElementById("series")).setOption({{title: {{text: "Daily activity"}},
    tooltip: {{trigger: "axis"}}, legend: {{top: 25}}, xAxis: {{type: "category", data: s.days}},
    yAxis: [{{type: "value"}}, {{type: "value", max: 7}}],
    series: [{{name: "member messages", type: "bar", data: s.member_messages}},
             {{name: "speakers", type: "line", data: s.speakers}},
             {{name: "joins", type: "line", data: s.joins}},
             {{name: "leaves", type: "line", data: s.leaves}},
             {{name: "WAD", type: "line", yAxisIndex: 1, data: s.wad}}]}});
  const cells = [];
  detail.heatmap.forEach((row, d) => row.forEach((v, h) => cells.push([h, d, v])));
  echarts.init(document.getElementById("heatmap")).setOption({{
    title: {{text: "When members talk (12 weeks)"}},
    tooltip: {{}}, xAxis: {{type: "category", data: [...Array(24).keys()]}},
    yAxis: {{type: "category", data: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}},
    visualMap: {{min: 0, max: Math.max(1, ...cells.map(c => c[2])), orient: "horizontal",
      left: "center", bottom: 0}},
    series: [{{type: "heatmap", data: cells}}]}});
}}
</script>
</body></html>
"""
