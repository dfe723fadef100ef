"""The console in headless Chromium: log in to the demo workspace and see its groups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from qunops.demo import DEMO_PASSWORD, DEMO_USER, build_demo
from qunops.store.schema import groups
from tests.browser import chromium, running_console, save_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, str]]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = build_demo(path, seed=7, timezone="Asia/Shanghai")
    yield engine, f"sqlite:///{path}"
    engine.dispose()


def test_logging_in_shows_the_demo_groups(demo: tuple[Engine, str], tmp_path: Path) -> None:
    engine, url = demo
    with engine.connect() as connection:
        names = sorted(connection.execute(select(groups.c.name)).scalars())
    assert len(names) >= 30
    with running_console(engine, url) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
        page.goto(base + "/")
        assert page.url.startswith(base + "/login")
        page.fill("input[name=username]", DEMO_USER)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("table#groups")
        shown = sorted(page.locator("table#groups td.name").all_inner_texts())
        assert shown == names
        page.wait_for_selector(".spark svg")  # the sparklines were drawn by the vendored ECharts
        save_screenshot(page, "overview", tmp_path)


def test_a_wrong_password_shows_an_error_in_the_page(demo: tuple[Engine, str]) -> None:
    engine, url = demo
    with running_console(engine, url) as base, chromium() as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(base + "/login")
        page.fill("input[name=username]", DEMO_USER)
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]")
        assert "Wrong username or password" in page.locator("[role=alert]").inner_text()
