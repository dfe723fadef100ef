"""The console's pages and API over HTTP, on SQLite and PostgreSQL: what an operator sees and can do.

The store is shared by the module (see conftest): each test changes only groups, users or alerts that no
other test reads.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from qunops.console import import_pages
from qunops.console.i18n import ZH
from qunops.console.state import import_job
from qunops.core.time import to_us
from qunops.store.schema import penalties
from tests.console.conftest import PASSWORDS, Console
from tests.factories import T0

Client = Callable[[str | None], tuple[TestClient, str]]
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "qunops" / "console" / "templates"


def table_names(html: str) -> list[str]:
    """The group names in the overview's table (not the briefing)."""
    return re.findall(r'<td class="name"><a href="[^"]*">([^<]+)</a>', html)


def test_the_overview_shows_this_workspace_groups_with_their_measures(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    page = client.get(f"/?as_of={console.as_of}")
    assert page.status_code == 200
    assert "Test group" in page.text and "Quiet wechat group" in page.text
    assert "secret group" not in page.text
    row = re.search(rf'<tr data-group-id="{console.group_id}">(.*?)</tr>', page.text, re.S)
    assert row is not None and "stage" in row[1] and 'class="spark"' in row[1]
    names = [g["name"] for g in client.get(f"/api/groups?as_of={console.as_of}").json()]
    assert "Other brand's secret group" not in names and "Test group" in names


def test_filters_sorting_and_paging_are_query_parameters(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    only_wechat = client.get(f"/?as_of={console.as_of}&platform=wechat")
    assert table_names(only_wechat.text) == ["Quiet wechat group"]
    searched = client.get(f"/?as_of={console.as_of}&q=QUIET")
    assert table_names(searched.text) == ["Quiet wechat group"]
    ascending = client.get(f"/api/groups?as_of={console.as_of}&sort=name&dir=asc").json()
    descending = client.get(f"/api/groups?as_of={console.as_of}&sort=name&dir=desc").json()
    assert [g["name"] for g in ascending] == [g["name"] for g in reversed(descending)]
    by_page = client.get(f"/?as_of={console.as_of}&sort=name&dir=asc&per_page=25&page=9")
    assert by_page.status_code == 200  # a page past the end shows the last page
    assert client.get("/?as_of=not-a-date").status_code == 422


def test_htmx_gets_only_the_group_table(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    partial = client.get(
        f"/?as_of={console.as_of}&stage=dead", headers={"HX-Request": "true", "HX-Target": "groups-panel"}
    )
    assert partial.status_code == 200
    assert ("<html" not in partial.text and "<table" in partial.text) or "No groups match" in partial.text


def test_the_briefing_names_the_silent_group_and_what_to_do(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    page = client.get(f"/?as_of={console.as_of}")
    briefing = page.text.split('aria-labelledby="groups-title"')[0]
    assert "Quiet wechat group" in briefing
    assert "What to do" in briefing


def test_the_group_page_shows_its_charts_members_and_checks(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    page = client.get(f"/groups/{console.group_id}?as_of={console.as_of}")
    assert page.status_code == 200
    for chart in ("activity", "joins", "wad", "heatmap", "pyramid"):
        assert f'data-chart="{chart}"' in page.text
    assert "member1" in page.text and "Role-structure checks" in page.text
    detail = client.get(f"/api/groups/{console.group_id}?as_of={console.as_of}").json()
    assert sum(detail["detail"]["series"]["member_messages"]) == 15
    assert detail["detail"]["newcomers"]["joined_30d"] == 2
    assert {m["name"] for m in detail["detail"]["members"]} >= {"member1", "member2", "member3"}


def test_another_workspace_group_and_member_are_not_found(console: Console, client_as: Client) -> None:
    client, _ = client_as("admin")
    assert client.get(f"/groups/{console.foreign_group_id}").status_code == 404
    assert client.get(f"/api/groups/{console.foreign_group_id}").status_code == 404
    assert client.get(f"/members/{console.foreign_member_id}").status_code == 404
    assert client.get(f"/api/members/{console.foreign_member_id}").status_code == 404
    outsider, _ = client_as("outsider")
    assert [g["name"] for g in outsider.get("/api/groups").json()] == ["Other brand's secret group"]
    assert outsider.get(f"/api/groups/{console.group_id}").status_code == 404
    assert "Test group" not in outsider.get("/alerts?show=all").text


def test_editing_the_registry_validates_saves_and_escapes(console: Console, client_as: Client) -> None:
    client, token = client_as("operator")
    url = f"/groups/{console.quiet_group_id}/registry"
    form = {
        "csrf_token": token,
        "purpose": "<script>alert(1)</script> A place for tea lovers",
        "group_type": "interest",
        "duration_kind": "temporary",
        "entry_threshold": "referral",
        "planned_end": "2026-12-31",
        "capacity": "many",
        "timezone": "Asia/Shanghai",
        "tags": "tea, 上海",
        "extended_resources": "official account: Tea Brand",
    }
    refused = client.post(url, data=form)
    assert refused.status_code == 400 and "a whole number of members" in refused.text
    assert 'aria-invalid="true"' in refused.text
    saved = client.post(url, data={**form, "capacity": "200"}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(f"/groups/{console.quiet_group_id}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; A place for tea lovers" in page.text
    assert "<script>alert(1)" not in page.text
    assert "referral" in page.text and "Tea Brand" in page.text
    tagged = client.get(f"/api/groups?as_of={console.as_of}&tag=上海").json()
    assert [g["name"] for g in tagged] == ["Quiet wechat group"]
    assert tagged[0]["group_type"] == "interest"


def test_the_member_page_tells_how_they_joined(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    detail = client.get(f"/api/groups/{console.group_id}").json()
    invited = next(m for m in detail["detail"]["members"] if m["name"] == "member2")
    page = client.get(f"/members/{invited['member_id']}?as_of={console.as_of}")
    assert page.status_code == 200
    assert f'href="/members/{console.member_id}">member1<' in page.text
    assert "invite" in page.text and "None recorded." in page.text
    data = client.get(f"/api/members/{invited['member_id']}").json()
    joined = next(g for g in data["groups"] if g["group_name"] == "Test group")
    assert joined["inviter_name"] == "member1" and joined["join_channel"] == "invite"


def _quiet_alert(client: TestClient, console: Console, status: str = "all") -> dict[str, Any]:
    alerts = client.get(f"/api/alerts?status={status}&as_of={console.as_of}").json()
    return next(a for a in alerts if a["group_id"] == console.quiet_group_id and a["kind"] == "dead")


def test_alerts_are_acknowledged_snoozed_and_assigned(console: Console, client_as: Client) -> None:
    client, token = client_as("operator")
    alert = _quiet_alert(client, console, "open")
    inbox = client.get(f"/alerts?as_of={console.as_of}")
    assert alert["key"] in inbox.text
    row = client.post(
        "/alerts/acknowledge",
        data={"key": alert["key"], "as_of": str(console.as_of)},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert row.status_code == 200 and "<html" not in row.text and "Acknowledged" in row.text
    assert _quiet_alert(client, console)["state"]["status"] == "acknowledged"
    assert alert["key"] not in client.get(f"/alerts?as_of={console.as_of}").text
    # The API needs the CSRF header; then it reopens, snoozes and assigns.
    key = alert["key"]
    assert client.post(f"/api/alerts/{key}/acknowledge", json={"acknowledged": False}).status_code == 403
    reopened = client.post(
        f"/api/alerts/{key}/acknowledge", json={"acknowledged": False}, headers={"X-CSRF-Token": token}
    )
    assert reopened.json()["status"] == "open"
    past = client.post(
        f"/api/alerts/{key}/snooze", json={"until": "2001-01-01T00:00:00Z"}, headers={"X-CSRF-Token": token}
    )
    assert past.status_code == 422
    snoozed = client.post(
        f"/api/alerts/{key}/snooze",
        json={"until": "2099-01-01T09:00:00+08:00"},
        headers={"X-CSRF-Token": token},
    )
    assert snoozed.json()["status"] == "snoozed"
    assert _quiet_alert(client, console, "snoozed")["key"] == key
    foreign = client.post(
        f"/api/alerts/{key}/assign",
        json={"assignee_id": console.users["outsider"]},
        headers={"X-CSRF-Token": token},
    )
    assert foreign.status_code == 422
    assigned = client.post(
        "/alerts/assign",
        data={"csrf_token": token, "key": key, "assignee_id": str(console.users["operator"])},
    )
    assert assigned.status_code == 200
    assert _quiet_alert(client, console)["state"]["assignee_id"] == console.users["operator"]
    other_workspace_key = f"{console.foreign_group_id}:silence:last-never"
    assert (
        client.post(
            f"/api/alerts/{other_workspace_key}/acknowledge", json={}, headers={"X-CSRF-Token": token}
        ).status_code
        == 404
    )


WHATSAPP = """12/9/20, 23:16 - Alice created group "Tea tasting club"
12/9/20, 23:55 - Alice added Bob
12/9/20, 23:55 - Bob: hello
12/9/20, 23:56 - Alice: hi Bob, welcome
12/10/20, 08:01 - Bob: what tea today?
"""


def _wait_for_job(client: TestClient, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get(f"/api/import/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_uploading_an_export_imports_it_in_the_background(console: Console, client_as: Client) -> None:
    client, token = client_as("operator")
    response = client.post(
        "/import",
        data={"csrf_token": token},
        files=[
            ("files", ("tea.txt", WHATSAPP.encode(), "text/plain")),
            ("files", ("broken.json", b'{"messages": [', "application/json")),
        ],
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    job = _wait_for_job(client, job_id)
    assert job["state"] == "done", job
    files = {f["name"]: f for f in job["report"]["files"]}
    assert files["tea.txt"]["events_new"] >= 3 and files["tea.txt"]["error"] is None
    assert files["broken.json"]["error"].startswith("broken.json")  # file: what, without the temp folder
    page = client.get(f"/import/jobs/{job_id}")
    assert "tea.txt" in page.text and "Errors" in page.text and "qunops-upload-" not in page.text
    assert not list(Path(tempfile.gettempdir()).glob("qunops-upload-*"))
    assert "tea" in [g["name"] for g in client.get("/api/groups").json()]  # named after the file


def test_an_upload_of_many_events_reports_progress_and_finishes(console: Console, client_as: Client) -> None:
    """Past 10,000 events the import reports its progress while its transaction is open (on SQLite that
    transaction holds the database's one write lock, so the report must not wait for it)."""
    lines = [
        json.dumps(
            {
                "platform": "qq",
                "group": "busy-upload",
                "group_name": "Busy upload",
                "kind": "message",
                "ts": f"2024-05-0{1 + n // 6000}T{(n // 250) % 24:02d}:{n % 60:02d}:{n // 60 % 60:02d}+08:00",
                "id": f"u{n}",
                "member": {"id": str(n % 7), "name": f"m{n % 7}"},
                "text": "hi",
            }
        )
        for n in range(12_000)
    ]
    client, token = client_as("operator")
    response = client.post(
        "/import",
        data={"csrf_token": token},
        files=[("files", ("busy.jsonl", ("\n".join(lines) + "\n").encode(), "application/json"))],
        follow_redirects=False,
    )
    job = _wait_for_job(client, int(response.headers["location"].rsplit("/", 1)[1]))
    assert job["state"] == "done", job
    assert job["report"]["events_new"] == 12_000 and job["report"]["files"][0]["error"] is None


def test_why_a_file_did_not_import_is_said_in_the_page_language(console: Console, client_as: Client) -> None:
    """The errors are the importers' own (`file:line: what is wrong`, as the CLI says them); the job page
    says them in Chinese when the console is in Chinese, with the file's own details kept as they are."""
    client, token = client_as("operator")
    truncated = b'{"name": "Tea", "type": "private_group", "id": 7, "messages": [\n{"id": 1, "type": "mes'
    response = client.post(
        "/import",
        data={"csrf_token": token},
        files=[
            ("files", ("cut.json", truncated, "application/json")),
            ("files", ("other.csv", b"a,b,c\n1,2,3\n", "text/csv")),
        ],
        follow_redirects=False,
    )
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    job = _wait_for_job(client, job_id)
    errors = {f["name"]: f["error"] for f in job["report"]["files"]}
    assert errors["cut.json"] == "cut.json:2: broken JSON (parse error: premature EOF)", errors
    assert errors["other.csv"].startswith("other.csv: not a known export format (tried: "), errors
    english = client.get(f"/import/jobs/{job_id}").text
    assert str(escape(errors["cut.json"])) in english and str(escape(errors["other.csv"])) in english
    client.get("/language?set=zh&next=/", follow_redirects=False)
    chinese = client.get(f"/import/jobs/{job_id}").text
    assert "cut.json:2：JSON 已损坏（parse error: premature EOF）" in chinese
    assert "other.csv：不是已知的聊天记录导出格式（已尝试：" in chinese
    assert "broken JSON" not in chinese and "not a known export format" not in chinese


def test_a_zip_upload_lists_the_files_in_it_that_are_no_export(console: Console, client_as: Client) -> None:
    """A WhatsApp "with media" zip holds the chat, its photos and whatever else was shared: the job page
    names each file not imported with its reason (in the page's language) and counts the media."""
    client, token = client_as("operator")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("_chat.txt", WHATSAPP)
        zf.writestr("IMG-20201209-WA0001.jpg", b"\xff\xd8\xff")
        zf.writestr("PTT-20201209-WA0002.opus", b"OggS")
        zf.writestr("notes.txt", "remember the tea\n")
        zf.writestr("blank.txt", "")
    response = client.post(
        "/import",
        data={"csrf_token": token},
        files=[("files", ("Tea with media.zip", archive.getvalue(), "application/zip"))],
        follow_redirects=False,
    )
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    job = _wait_for_job(client, job_id)
    report = job["report"]
    assert [f["name"] for f in report["files"]] == ["Tea with media.zip!_chat.txt"]
    assert [(f["name"], f["reason"]) for f in report["skipped_files"]] == [
        ("Tea with media.zip!blank.txt", "empty file"),
        ("Tea with media.zip!notes.txt", report["skipped_files"][1]["reason"]),
    ]
    assert report["skipped_files"][1]["reason"].startswith("not a known export format (tried: ")
    assert report["skipped_media"] == 2
    english = client.get(f"/import/jobs/{job_id}").text
    assert "Skipped files" in english and "Tea with media.zip!blank.txt: empty file" in english
    assert "2 media files" in english and "IMG-20201209" not in english
    client.get("/language?set=zh&next=/", follow_redirects=False)
    chinese = client.get(f"/import/jobs/{job_id}").text
    assert "跳过的文件" in chinese and "Tea with media.zip!blank.txt: 空文件" in chinese
    assert "Tea with media.zip!notes.txt: 不是已知的聊天记录导出格式（已尝试：" in chinese
    assert "2 个媒体文件" in chinese


def test_an_upload_reads_local_times_in_the_timezone_chosen_and_says_which(
    console: Console, client_as: Client
) -> None:
    """WhatsApp writes times without a zone: the form reads them in the workspace's unless told another,
    refuses a zone that does not exist, and the job's page says which zone each file was read in."""
    client, token = client_as("operator")
    form = client.get("/import").text
    assert 'name="timezone" value="Asia/Shanghai"' in form
    chat = WHATSAPP.replace("Tea tasting club", "Berlin tea")
    unknown = client.post(
        "/import",
        data={"csrf_token": token, "timezone": "Mars/Olympus"},
        files=[("files", ("berlin.txt", chat.encode(), "text/plain"))],
    )
    assert unknown.status_code == 400 and "Unknown timezone Mars/Olympus" in unknown.text
    response = client.post(
        "/import",
        data={"csrf_token": token, "timezone": "Europe/Berlin"},
        files=[("files", ("berlin.txt", chat.encode(), "text/plain"))],
        follow_redirects=False,
    )
    job = _wait_for_job(client, int(response.headers["location"].rsplit("/", 1)[1]))
    [berlin] = job["report"]["files"]
    assert berlin["local_times_in"] == "Europe/Berlin" and berlin["events_new"] == 5
    # "12/9/20, 23:16" in Berlin (UTC+1 in December) is 22:16 UTC
    assert job["report"]["first"] == "2020-12-09T22:16:00+00:00"
    page = client.get(f"/import/jobs/{job['id']}").text
    assert "Local times read in" in page and "Europe/Berlin" in page
    client.get("/language?set=zh&next=/", follow_redirects=False)
    assert "本地时间的时区" in client.get("/import").text


def test_recent_imports_show_failed_files_and_local_times(console: Console, client_as: Client) -> None:
    client, token = client_as("operator")
    response = client.post(
        "/import",
        data={"csrf_token": token},
        files=[
            ("files", ("first.csv", b"a,b\n1,2\n", "text/csv")),
            ("files", ("second.txt", b"", "text/plain")),
        ],
        follow_redirects=False,
    )
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    job = _wait_for_job(client, job_id)
    assert job["state"] == "done" and job["report"]["events_new"] == 0
    with console.engine.connect() as connection:
        stored = import_job(connection, console.workspace, job_id)
    assert stored is not None
    shanghai = stored.created.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    utc = stored.created.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
    listing = client.get("/import").text
    (item,) = re.findall(rf'<li><a href="/import/jobs/{job_id}">.*?</li>', listing, re.S)
    assert "2 files failed" in item and shanghai in item and utc not in item and "UTC" not in item
    client.get("/language?set=zh&next=/", follow_redirects=False)
    assert "2 个文件导入失败" in client.get("/import").text


def test_an_upload_without_files_or_too_large_is_refused_with_a_reason(
    console: Console, client_as: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, token = client_as("operator")
    empty = client.post("/import", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose at least one file." in empty.text
    monkeypatch.setattr(import_pages, "MAX_UPLOAD_BYTES", 10)
    large = client.post(
        "/import", data={"csrf_token": token}, files={"files": ("big.txt", b"x" * 100, "text/plain")}
    )
    assert large.status_code == 413 and "larger than" in large.text
    assert not list(Path(tempfile.gettempdir()).glob("qunops-upload-*"))


def test_workspace_thresholds_are_validated_and_saved(console: Console, client_as: Client) -> None:
    client, token = client_as("admin")
    bad = client.post(
        "/settings/workspace",
        data={
            "csrf_token": token,
            "timezone": "Asia/Shanghai",
            "silence_alert_hours": "soon",
            "cooling_drop": "2",
        },
    )
    assert bad.status_code == 400
    assert "a whole number" in bad.text and "a share between 0 and 1" in bad.text
    crossed = client.post(
        "/settings/workspace", data={"csrf_token": token, "timezone": "Asia/Shanghai", "dormant_days": "20"}
    )
    assert crossed.status_code == 400 and "must be fewer days than dead" in crossed.text
    zone = client.post("/settings/workspace", data={"csrf_token": token, "timezone": "Mars/Olympus"})
    assert zone.status_code == 400 and "Unknown timezone" in zone.text
    good = client.post(
        "/settings/workspace",
        data={"csrf_token": token, "timezone": "Asia/Shanghai", "silence_alert_hours": "12"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert 'name="silence_alert_hours" value="12"' in client.get("/settings").text


def test_a_workspace_sets_the_console_language_for_those_who_chose_none(
    console: Console, client_as: Client
) -> None:
    admin, token = client_as("admin")
    viewer, _ = client_as("viewer")
    chose_english, _ = client_as("operator")
    chose_english.get("/language?set=en&next=/", follow_redirects=False)
    assert "Overview" in viewer.get("/").text  # no choice, no browser language: English
    bad = admin.post("/settings/workspace", data={"csrf_token": token, "timezone": "UTC", "language": "fr"})
    assert (
        bad.status_code == 400
        and 'id="err-language"' in bad.text
        and str(escape("Unknown language 'fr'")) in bad.text
    )
    saved = admin.post(
        "/settings/workspace",
        data={"csrf_token": token, "timezone": "UTC", "language": "zh"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert '<html lang="zh-CN">' in viewer.get("/").text and "总览" in viewer.get("/").text
    assert "控制台语言" in viewer.get("/settings").text  # a viewer reads the setting, in Chinese
    assert '<html lang="en">' in chose_english.get("/").text  # a person's own choice comes first
    assert '<html lang="en">' in client_as("viewer")[0].get("/login").text  # before login: the browser's
    admin.post(
        "/settings/workspace",
        data={"csrf_token": token, "timezone": "UTC", "language": ""},
        follow_redirects=False,
    )
    assert '<html lang="en">' in viewer.get("/").text
    assert '<html lang="zh-CN">' in viewer.get("/", headers={"Accept-Language": "zh-CN,zh"}).text


def test_a_saved_form_says_so_in_the_section_its_redirect_scrolls_to(
    console: Console, client_as: Client
) -> None:
    # The registry form is at the bottom of a long group page, the password and workspace forms far down
    # the settings on a phone: a notice at the top of the page is out of sight once scrolled there.
    admin, token = client_as("admin")
    spare = console.users["spare2"]
    posts = {
        f"/groups/{console.quiet_group_id}/registry": {
            "purpose": "A place for tea lovers",
            "group_type": "interest",
            "duration_kind": "temporary",
            "entry_threshold": "referral",
            "planned_end": "2026-12-31",
            "capacity": "200",
            "timezone": "Asia/Shanghai",
            "tags": "tea, 上海",
            "extended_resources": "official account: Tea Brand",
        },
        "/settings/workspace": {"timezone": "Asia/Shanghai", "silence_alert_hours": "12"},
        f"/settings/users/{spare}/role": {"role": "viewer"},
        "/settings/password": {
            "current_password": PASSWORDS["admin"],
            "new_password": PASSWORDS["admin"],
            "repeated_password": PASSWORDS["admin"],
        },
    }
    for url, form in posts.items():
        sent = admin.post(url, data={"csrf_token": token, **form}, follow_redirects=False)
        assert sent.status_code == 303, (url, sent.text[:300])
        location, _, section = sent.headers["location"].partition("#")
        assert section, url
        page = admin.get(location).text
        inside = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
        assert 'class="notice" role="status"' in inside, url
        assert page.count('class="notice" role="status"') == 1, url


def test_admins_add_users_change_roles_and_keep_one_admin(console: Console, client_as: Client) -> None:
    client, token = client_as("admin")
    added = client.post(
        "/settings/users",
        data={"csrf_token": token, "username": "newbie", "password": "newbie password", "role": "operator"},
    )
    assert added.status_code == 200 and 'data-user="newbie"' in added.text
    again = client.post("/settings/users", data={"csrf_token": token, "username": "newbie", "role": "viewer"})
    assert again.status_code == 400 and "already" in again.text
    short = client.post("/settings/users", data={"csrf_token": token, "username": "x2", "password": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.text
    demote_self = client.post(
        f"/settings/users/{console.users['admin']}/role", data={"csrf_token": token, "role": "viewer"}
    )
    assert demote_self.status_code == 400 and "at least one admin" in demote_self.text
    newbie, _ = client_as(None)
    newbie_token = re.search(r'name="csrf_token" value="([^"]+)"', newbie.get("/login").text)
    assert newbie_token is not None
    newbie.post(
        "/login", data={"username": "newbie", "password": "newbie password", "csrf_token": newbie_token[1]}
    )
    assert newbie.get("/api/me").json()["workspace"]["role"] == "operator"
    demoted = client.post(
        f"/settings/users/{_user_id(client, 'newbie')}/role", data={"csrf_token": token, "role": "viewer"}
    )
    assert demoted.status_code == 200
    assert newbie.get("/api/me").json()["workspace"]["role"] == "viewer"  # roles are read on every request
    client.post(f"/settings/users/{_user_id(client, 'newbie')}/remove", data={"csrf_token": token})
    assert newbie.get("/api/me").status_code == 401  # a removal ends the user's logins


def _user_id(client: TestClient, username: str) -> int:
    found = re.search(
        r'action="/settings/users/(\d+)/role".*?' + "",
        client.get("/settings").text.split(f'data-user="{username}"')[1],
        re.S,
    )
    assert found is not None
    return int(found[1])


def test_viewers_see_no_forms_that_change_anything(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    pages = [f"/groups/{console.group_id}", "/alerts?show=all", "/import", "/settings"]
    for url in pages:
        text = client.get(url).text
        forms = re.findall(r'<form[^>]*action="([^"]+)"', text)
        assert set(forms) <= {"/logout", "/workspace", "/", "/settings/password"}, (url, forms)


def test_the_language_switches_to_chinese_and_back(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    client.get("/language?set=zh&next=/")
    page = client.get(f"/?as_of={console.as_of}")
    assert "简报" in page.text and 'lang="zh-CN"' in page.text and "总览" in page.text
    inbox = client.get(f"/alerts?as_of={console.as_of}").text
    assert 'aria-current="page">待处理</a>' in inbox  # an open alert, whatever else "Open" means elsewhere
    client.get("/language?set=en")
    assert "Today&#39;s briefing" in client.get("/").text
    fresh, _ = client_as(None)
    assert "登录" in fresh.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text


def test_every_template_label_has_a_chinese_translation() -> None:
    labels: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        labels |= set(re.findall(r'_\("([^"]+)"', template.read_text()))
        labels |= set(re.findall(r"_\('([^']+)'", template.read_text()))
    missing = sorted(label for label in labels if label not in ZH)
    assert missing == []


def test_the_api_is_in_the_openapi_schema(console: Console, client_as: Client) -> None:
    client, _ = client_as(None)
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/me",
        "/api/groups",
        "/api/groups/{group_id}",
        "/api/groups/{group_id}/topics",
        "/api/members/{member_id}",
        "/api/alerts",
        "/api/alerts/{key}/acknowledge",
        "/api/alerts/{key}/snooze",
        "/api/alerts/{key}/assign",
        "/api/import/jobs/{job_id}",
    ):
        assert path in paths


def test_a_member_penalties_show_with_their_reason(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    detail = client.get(f"/api/groups/{console.group_id}").json()
    punished = next(m for m in detail["detail"]["members"] if m["name"] == "member3")["member_id"]
    with console.engine.begin() as connection:
        connection.execute(
            penalties.insert().values(
                workspace_id=console.workspace,
                member_id=punished,
                step=1,
                kind="warning",
                starts_us=to_us(T0),
                private=False,
                skipped=0,
                explanation="repeated <b>ads</b> for a loan app",
            )
        )
    page = client.get(f"/members/{punished}")
    assert "repeated &lt;b&gt;ads&lt;/b&gt; for a loan app" in page.text and "None recorded." not in page.text
    data = client.get(f"/api/members/{punished}").json()
    assert [(p["kind"], p["step"]) for p in data["penalties"]] == [("warning", 1)]


def test_topics_load_after_the_group_page_and_stay_in_the_workspace(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    page = client.get(f"/groups/{console.group_id}?as_of={console.as_of}")
    assert f'hx-get="/groups/{console.group_id}/topics' in page.text  # fetched once the page shows
    fragment = client.get(
        f"/groups/{console.group_id}/topics?as_of={console.as_of}", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    terms = client.get(f"/api/groups/{console.group_id}/topics?as_of={console.as_of}").json()
    assert all({"term", "score", "count"} <= set(t) for t in terms)
    assert client.get(f"/groups/{console.foreign_group_id}/topics").status_code == 404
    assert client.get(f"/api/groups/{console.foreign_group_id}/topics").status_code == 404


def test_the_alerts_inbox_pages_through_many_alerts(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    past_the_end = client.get(f"/alerts?show=all&as_of={console.as_of}&page=99")
    assert past_the_end.status_code == 200 and "data-alert-key" in past_the_end.text


def test_platforms_show_by_their_names_in_each_language(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    names = {"WeChat", "WeCom", "QQ", "Telegram", "Discord", "WhatsApp", "Other"}  # other tests import more
    expected = {
        "/": {"WeChat", "QQ"},
        f"/groups/{console.quiet_group_id}": {"WeChat"},
        f"/members/{console.member_id}": {"QQ"},
        "/members?q=member": {"WeChat", "QQ"},
    }

    def badges(html: str) -> set[str]:
        return set(re.findall(r'<span class="platform \w+">([^<]+)</span>', html))

    for url, platforms in expected.items():
        shown = badges(client.get(url).text)
        assert platforms <= shown <= names, url
    assert re.search(r'<option value="wechat"\s*>WeChat</option>', client.get("/").text)  # the filter
    client.get("/language?set=zh&next=/")
    assert {"微信", "QQ"} <= badges(client.get("/").text) and "WeChat" not in badges(client.get("/").text)
    assert re.search(r'<option value="wechat"\s*>微信</option>', client.get("/").text)


def test_the_role_counts_stand_under_the_pyramid_and_say_a_member_can_hold_several(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    page = client.get(f"/groups/{console.group_id}?as_of={console.as_of}").text
    figures = {
        re.sub(r"<[^>]+>", "", figure.split("</figcaption>", 1)[0]): figure
        for figure in re.findall(r"<figcaption>.*?</figure>", page, re.S)
    }
    pyramid, newcomers = figures["Role pyramid"], figures["Newcomer activation"]
    assert "Members holding each role (a member can hold several):" in pyramid
    assert re.search(r'<span class="role regular">regular \d+</span>', pyramid)
    assert 'class="role ' not in newcomers  # they had stood there, unlabelled, beside the newcomers


def test_the_import_page_says_its_list_holds_uploads_and_where_command_line_imports_are(
    client_as: Client,
) -> None:
    client, _ = client_as("outsider")  # their workspace's history came in without the console
    page = client.get("/import").text
    assert "Recent uploads" in page and '<p class="empty" id="no-uploads">Nothing uploaded yet.</p>' in page
    assert "Imports run with the qunops import command are not listed here" in page
    client.get("/language?set=zh&next=/")
    chinese = client.get("/import").text
    assert "还没有上传过文件。" in chinese and "用 qunops import 命令做的导入不在这里列出" in chinese


def test_a_viewers_settings_say_what_they_cannot_change_and_that_their_password_they_can(
    client_as: Client,
) -> None:
    viewer, _ = client_as("viewer")
    page = viewer.get("/settings").text
    note = page.split('id="admins-only">', 1)[1].split("</p>", 1)[0]
    assert (
        note
        == "Only admins can change the users and the workspace settings; your own password you change below."
    )
    assert 'id="change-password"' in page.split('id="admins-only"', 1)[1]  # below it, as it says
    viewer.get("/language?set=zh&next=/")
    assert "你自己的密码可以在下面修改" in viewer.get("/settings").text
    admin, _ = client_as("admin")
    assert 'id="admins-only"' not in admin.get("/settings").text
