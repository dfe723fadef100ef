"""The console in headless Chromium against a real server over the demo workspace (one per module).

Covers each page as an operator uses it: log in, sort and filter the overview, open a group and see its
charts drawn, a member, the alerts inbox, an upload, the settings; a viewer who cannot change anything;
another workspace's data that never shows; the switch to Chinese.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from qunops.core.events import GroupRef
from qunops.core.platforms import Platform
from qunops.core.registry import WorkspaceRole
from qunops.demo import DEMO_PASSWORD, DEMO_USER, DEMO_VIEWER, build_demo
from qunops.ingestion import import_events
from qunops.store import accounts
from qunops.store.rollups import fill_rollups
from qunops.store.schema import groups
from tests.browser import chromium, running_console, save_screenshot
from tests.conftest import shared_path
from tests.factories import message

pytestmark = pytest.mark.browser

SECRET = GroupRef(Platform.TELEGRAM, "secret", "Rival brand secret group")
OUTSIDER, OUTSIDER_PASSWORD = "outsider", "outsider password"
CHARTS = ("activity", "joins", "wad", "heatmap", "pyramid")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    """The demo workspace, plus a second workspace whose group nobody else may see."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = build_demo(path, seed=7, timezone="Asia/Shanghai")
    with engine.begin() as connection:
        other = accounts.create_workspace(connection, "rival", "Rival brand", "UTC")
        outsider = accounts.create_user(connection, OUTSIDER, OUTSIDER_PASSWORD)
        accounts.grant(connection, other, outsider, WorkspaceRole.ADMIN)
    import_events(engine, other, iter([message(1, timedelta(0), "secret plans", group=SECRET)]))
    fill_rollups(engine)
    yield engine, f"sqlite:///{path}"
    engine.dispose()


@pytest.fixture(scope="module")
def base(demo: tuple[Engine, str]) -> Iterator[str]:
    engine, url = demo
    with running_console(engine, url) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as opened:
        yield opened


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page: Any, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("table#groups")


def chart_series(page: Any, chart: str) -> list[Any]:
    """The series of a drawn ECharts chart (empty when it was not drawn)."""
    return list(
        page.evaluate(
            """(id) => {
                const el = document.getElementById(id);
                const chart = el && window.echarts && echarts.getInstanceByDom(el);
                return chart ? chart.getOption().series.map(s => s.data) : [];
            }""",
            f"chart-{chart}",
        )
    )


def table_names(page: Any) -> list[str]:
    return list(page.locator("table#groups td.name a").all_inner_texts())


def test_logging_in_shows_the_demo_groups_and_briefing(
    demo: tuple[Engine, str], base: str, page: Any, tmp_path: Path
) -> None:
    engine, _ = demo
    with engine.connect() as connection:
        names = sorted(connection.execute(select(groups.c.name).where(groups.c.workspace_id == 1)).scalars())
    assert len(names) >= 30
    log_in(page, base, DEMO_USER)
    assert sorted(table_names(page)) == names
    assert page.locator(".brief").count() > 0  # the demo has groups that need attention
    page.wait_for_selector(".spark svg")  # sparklines drawn by the vendored ECharts
    save_screenshot(page, "overview", tmp_path)


def test_a_wrong_password_shows_an_error_in_the_page(base: str, page: Any) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", DEMO_USER)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "Wrong username or password" in page.locator("[role=alert]").inner_text()


def test_sorting_and_filtering_swap_the_table_in_place(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    page.click("th a[data-sort=health]")
    page.wait_for_url("**sort=health**")
    page.wait_for_selector("th[aria-sort] a[data-sort=health]")
    scores = [float(x) for x in page.locator("table#groups td .score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and len(scores) >= 30
    page.click("th a[data-sort=health]")  # again: ascending
    page.wait_for_url("**dir=asc**")
    page.wait_for_function("document.querySelector('th[aria-sort=ascending]') !== null")
    scores = [float(x) for x in page.locator("table#groups td .score").all_inner_texts()]
    assert scores == sorted(scores)
    page.select_option("select[name=platform]", "qq")
    page.wait_for_url("**platform=qq**")
    page.wait_for_function(
        "[...document.querySelectorAll('table#groups td .platform')]"
        ".every(e => e.classList.contains('qq') && e.textContent === 'QQ')"
    )
    assert page.locator("table#groups tbody tr").count() > 0
    first = table_names(page)[0]
    page.fill("input[name=q]", first)
    page.wait_for_function("document.querySelectorAll('table#groups tbody tr').length === 1")
    assert table_names(page) == [first]
    page.reload()  # the state is in the URL, so a reload (or a shared link) shows the same
    assert table_names(page) == [first]


def test_a_group_page_draws_its_charts_with_data(base: str, page: Any, tmp_path: Path) -> None:
    log_in(page, base, DEMO_USER)
    page.click("th a[data-sort=members]")
    page.wait_for_url("**sort=members**")
    page.locator("table#groups td.name a").first.click()
    page.wait_for_selector("#chart-activity canvas")
    for chart in CHARTS:
        assert page.locator(f"#chart-{chart} canvas").count() == 1, chart
        series = chart_series(page, chart)
        assert series and any(len(data) > 0 for data in series), chart
    assert sum(v for v in chart_series(page, "activity")[0] if v) > 0
    assert page.locator("#members tbody tr").count() > 10
    assert page.locator(".checks li").count() >= 1
    page.wait_for_selector("#topics ul.topics li")  # topics arrive after the page (HTMX)
    page.wait_for_timeout(300)  # let the canvas charts finish painting for the screenshot
    save_screenshot(page, "group", tmp_path)


def test_a_member_page_shows_activity_and_how_they_joined(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    page.locator("table#groups td.name a").first.click()
    page.wait_for_selector("#members")
    page.locator("#members tbody td a").first.click()
    page.wait_for_selector("#chart-member canvas")
    assert page.locator("#member-groups tbody tr").count() >= 1
    assert "How they joined" in page.content() and "None recorded." in page.content()


def test_an_operator_acknowledges_an_alert_in_the_inbox(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    page.goto(base + "/alerts")
    row = page.locator("#alerts tbody tr").first
    key = row.get_attribute("data-alert-key")
    row.locator("button", has_text="Acknowledge").click()
    page.wait_for_function(
        "(key) => document.querySelector(`tr[data-alert-key='${key}'] td.state`)"
        ".textContent.includes('Acknowledged')",
        arg=key,
    )
    page.goto(base + "/alerts?show=acknowledged")
    assert page.locator(f"tr[data-alert-key='{key}']").count() == 1


def test_uploading_an_export_shows_its_summary_and_its_group(base: str, page: Any) -> None:
    sample = shared_path("samples", "whatsapp", "4A_11M.txt")
    log_in(page, base, DEMO_USER)
    page.goto(base + "/import")
    page.set_input_files("input[name=files]", str(sample))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector(".import-job[data-state=done]", timeout=30_000)
    summary = page.locator(".import-job").inner_text()
    assert "4A_11M.txt" in summary and "whatsapp" in summary.lower()
    page.goto(base + "/?q=4A_11M")
    assert table_names(page) == ["4A_11M"] or any("4A_11M" in n for n in table_names(page))


def test_a_viewer_sees_no_forms_and_posts_are_refused(base: str, page: Any) -> None:
    log_in(page, base, DEMO_VIEWER)
    page.locator("table#groups td.name a").first.click()
    page.wait_for_selector("#chart-activity")
    assert page.locator("#registry form").count() == 0
    group_url = page.url.split("?")[0]
    page.goto(base + "/alerts")
    assert page.locator("#alerts button").count() == 0
    page.goto(base + "/import")
    assert page.locator("#import-form").count() == 0
    page.goto(base + "/settings")
    # Their own password is the one thing a viewer changes there.
    assert page.locator("form[action^='/settings']:not([action='/settings/password'])").count() == 0
    # Forging the requests with the session's own token still fails: the server checks the role.
    statuses = page.evaluate(
        """async (groupUrl) => {
            const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
            const form = (fields) => { const f = new FormData(); f.append('csrf_token', token);
                for (const [k, v] of Object.entries(fields)) f.append(k, v); return f; };
            const answers = [];
            for (const [url, fields] of [[groupUrl + '/registry', {group_type: 'fan'}],
                                         ['/alerts/acknowledge', {key: '1:dead:last-never'}],
                                         ['/settings/users', {username: 'sneaky', password: 'sneaky pass'}],
                                         ['/import', {}]]) {
                answers.push((await fetch(url, {method: 'POST', body: form(fields)})).status);
            }
            answers.push((await fetch('/api/alerts/1:dead:last-never/acknowledge', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}, body: '{}'})).status);
            return answers;
        }""",
        group_url,
    )
    assert statuses == [403] * 5


def test_another_workspace_never_shows(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    assert "Rival brand secret group" not in page.content()
    names = [g["name"] for g in json.loads(page.evaluate("fetch('/api/groups').then(r => r.text())"))]
    assert "Rival brand secret group" not in names and len(names) >= 30
    page.goto(base + "/?q=Rival")
    assert table_names(page) == []
    page.context.clear_cookies()
    log_in(page, base, OUTSIDER, OUTSIDER_PASSWORD)
    assert table_names(page) == ["Rival brand secret group"]
    answer = page.request.get(base + "/api/groups/1")
    assert answer.status == 404
    page.goto(base + "/groups/1")
    assert "404" in page.locator("h1").inner_text()


def test_the_demo_review_queue_holds_the_planted_ads(base: str, page: Any) -> None:
    """The demo's history went through moderation: its queue shows cases, each with its evidence."""
    log_in(page, base, DEMO_USER)
    page.goto(f"{base}/moderation")
    cases = page.locator("a[href^='/moderation/cases/']")
    assert cases.count() > 0
    cases.first.click()
    evidence = page.locator("article.evidence")
    evidence.first.wait_for()
    assert evidence.first.locator("blockquote").inner_text().strip()  # the flagged message
    assert evidence.first.locator("li").count() > 0  # and why it was flagged


def test_switching_to_chinese_shows_chinese_labels(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    page.click("#lang-zh")
    page.wait_for_selector("html[lang=zh-CN]")
    assert page.locator("nav a").first.inner_text() == "总览"
    assert "今日简报" in page.locator("h1").first.inner_text()
    page.click("#lang-en")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("nav a").first.inner_text() == "Overview"


def test_an_admin_sees_a_clear_error_for_a_bad_threshold_and_adds_a_user(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    page.click("nav a[href='/settings']")
    page.fill("input[name=silence_alert_hours]", "twelve")
    page.click("#workspace button[type=submit]")
    error = page.locator("#err-silence_alert_hours")
    assert error.inner_text() == "a whole number"
    assert page.locator("input[name=silence_alert_hours]").get_attribute("aria-invalid") == "true"
    page.fill("#add-user input[name=username]", "helper")
    page.fill("#add-user input[name=password]", "helper password")
    page.select_option("#add-user select[name=role]", "operator")
    page.click("#add-user button[type=submit]")
    page.wait_for_selector("tr[data-user=helper]")
    assert page.locator("tr[data-user=helper] select[name=role]").input_value() == "operator"


def test_the_overview_shows_every_alert_whole_at_1400_px(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    for language in ("en", "zh"):
        page.goto(f"{base}/language?set={language}&next=/")
        page.wait_for_selector("table#groups td.alerts .sev")
        overflow = page.evaluate(
            "() => { const w = document.querySelector('#groups-panel .table-wrap');"
            " return w.scrollWidth - w.clientWidth; }"
        )
        assert overflow <= 0, language  # the table fits: nothing hides behind a scrollbar
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('td.alerts .sev')].filter(badge => {
                const box = badge.getBoundingClientRect(), cell = badge.closest('td').getBoundingClientRect();
                return box.right > cell.right + 0.5 || badge.scrollWidth > badge.clientWidth;
            }).map(badge => badge.textContent)"""
        )
        assert clipped == [], language


def test_each_threshold_default_stands_on_one_line_beside_its_field(base: str, page: Any) -> None:
    log_in(page, base, DEMO_USER)
    for language in ("en", "zh"):
        page.goto(f"{base}/language?set={language}&next=/settings")
        page.wait_for_selector(".threshold .default")
        misplaced = page.evaluate(
            """() => [...document.querySelectorAll('.threshold')].filter(field => {
                const input = field.querySelector('input').getBoundingClientRect();
                const hint = field.querySelector('.default').getBoundingClientRect();
                const line = parseFloat(getComputedStyle(field.querySelector('.default')).lineHeight);
                return hint.left < input.right || hint.top < input.top - 1 || hint.bottom > input.bottom + 1
                    || hint.height > line * 1.5;
            }).map(field => field.querySelector('input').name)"""
        )
        assert misplaced == [], language
        assert page.locator("label[for=t-answer_window_s]").inner_text() == (
            "Answer window (seconds)" if language == "en" else "回答时限（秒）"
        )


def test_a_date_chosen_in_the_as_of_form_follows_the_operator_to_a_groups_members(
    base: str, page: Any, tmp_path: Path
) -> None:
    log_in(page, base, DEMO_USER)
    page.fill("#as-of-date", "2020-01-15")  # before the demo's history: every group begins later
    page.click("#as-of-form button[type=submit]")
    page.wait_for_selector("#as-of-banner")
    assert page.url.endswith("/?as_of=2020-01-15")
    assert "2020-01-15" in page.locator("#as-of-banner").inner_text()
    page.click("#as-of-today")
    page.wait_for_selector("table#groups")
    assert "as_of" not in page.url and page.locator("#as-of-banner").count() == 0
    first = page.locator("table#groups td.name a").first
    first.click()
    page.wait_for_selector("#all-members")
    group_url = page.url
    page.fill("#as-of-date", "2020-01-15")
    page.click("#as-of-form button[type=submit]")
    page.wait_for_selector("#begins-later")
    save_screenshot(page, "group-begins-later", tmp_path)
    page.locator("#begins-later a").click()  # view it as of its first days
    page.wait_for_selector("#all-members")
    chosen = page.url.split("as_of=", 1)[1]
    assert page.url.startswith(group_url.split("?", 1)[0]) and page.locator("#as-of-banner").count() == 1
    page.click("#all-members")
    page.wait_for_selector("table#group-members")
    assert f"as_of={chosen}" in page.url  # the date stays chosen
    assert (
        page.locator("nav[aria-label=main] a[href^='/alerts']").get_attribute("href")
        == f"/alerts?as_of={chosen}"
    )
    everyone = page.locator("table#group-members tbody tr").count()
    name = page.locator("table#group-members tbody tr td a").first.inner_text()
    page.fill("input[name=q]", name)  # HTMX replaces the list as the operator types
    page.wait_for_function(
        "n => document.querySelectorAll('table#group-members tbody tr').length < n", arg=everyone
    )
    assert name in page.locator("table#group-members tbody tr td a").first.inner_text()
    assert "q=" in page.url and f"as_of={chosen}" in page.url
    save_screenshot(page, "group-members", tmp_path)


@pytest.mark.parametrize("path", ["/alerts", "/", "/moderation", "/settings", "/members?q=a"])
def test_an_editors_pages_fit_a_phones_width(base: str, browser: Any, path: str) -> None:
    # An admin's alert rows carry forms with visually hidden labels: the inbox scrolls inside its table
    # instead of the whole page being wider than the phone (and the header half its width).
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, base, DEMO_USER)
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
    finally:
        context.close()


def test_a_refused_snooze_says_why_beside_its_form(base: str, page: Any) -> None:
    # The inbox's forms are sent by HTMX, which swaps nothing in when the server refuses: the operator
    # clicked and saw nothing happen. The refusal now stands beside the form, until the next try.
    log_in(page, base, DEMO_USER)
    for language, said in (("en", "Snooze until a moment in the future."), ("zh", "暂缓时间要晚于现在。")):
        page.goto(f"{base}/language?set={language}&next=/alerts")
        row = page.locator("table#alerts tbody tr").first
        row.locator("input[type=datetime-local]").fill("2020-01-01T09:00")
        row.locator("form[action='/alerts/snooze'] button").click()
        refused = row.locator("form[action='/alerts/snooze'] [role=alert]")
        refused.wait_for()
        assert refused.inner_text() == said
        row.locator("form[action='/alerts/snooze'] button").click()  # a new try clears it, then says it again
        refused.wait_for()
        assert row.locator("form[action='/alerts/snooze'] [role=alert]").count() == 1
