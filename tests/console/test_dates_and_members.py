"""The "As of" date of the console's pages, a group asked for before its history begins, and the members
lists (a group's, paged and searchable, and the workspace's name search)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from qunops.console import queries
from qunops.console.data import forget_summaries
from qunops.core.time import day_end_us, from_us
from qunops.store.schema import events, members
from tests.console.conftest import Console

Client = Callable[[str | None], tuple[TestClient, str]]
FIRST_DAY = date(2024, 5, 1)  # the test group's first local day (Asia/Shanghai)
LAST_DAY = date(2024, 5, 5)  # the workspace's newest events


def member_names(html: str, table: str) -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/members/\d+[^"]*">([^<]+)</a>', body)


def test_every_dated_page_has_an_as_of_form_that_works_without_javascript(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    day = console.as_of.isoformat()
    for url in ("/", "/alerts", f"/groups/{console.group_id}", f"/members/{console.member_id}"):
        page = client.get(f"{url}?as_of={day}")
        assert page.status_code == 200, url
        form = page.text.split('id="as-of-form"', 1)[1].split("</form>", 1)[0]
        assert 'method="get"' in page.text.split('id="as-of-form"', 1)[0].rsplit("<form", 1)[1]
        assert f'type="date" id="as-of-date" name="as_of" value="{day}" required' in form
        assert "Back to today" in form
        assert f"You are viewing this page as of {day}, not today." in page.text, url
        # The main navigation keeps the date.
        assert f'href="/?as_of={day}"' in page.text and f'href="/alerts?as_of={day}"' in page.text
    today = client.get("/").text
    assert "not today" not in today and "Back to today" not in today
    assert 'id="as-of-form"' in today  # the control is there on today's page too


def test_the_as_of_form_keeps_the_overviews_filters_and_links_carry_the_date(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    day = console.as_of.isoformat()
    page = client.get(f"/?as_of={day}&q=quiet&sort=name&dir=asc&page=2").text
    form = page.split('id="as-of-form"', 1)[1].split("</form>", 1)[0]
    hidden = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    assert hidden == {"q": "quiet", "sort": "name", "dir": "asc"}  # a new date starts at page 1
    assert 'href="/?q=quiet&amp;sort=name&amp;dir=asc"' in form  # back to today keeps the filters
    assert f'href="/groups/{console.quiet_group_id}?as_of={day}"' in page
    group = client.get(f"/groups/{console.group_id}?as_of={day}").text
    assert f'href="/members/{console.member_id}?as_of={day}">member1<' in group
    assert f'href="/groups/{console.group_id}/members?as_of={day}"' in group
    member = client.get(f"/members/{console.member_id}?as_of={day}").text
    assert f'href="/groups/{console.group_id}?as_of={day}"' in member
    inbox = client.get(f"/alerts?show=all&as_of={day}").text
    linked = set(re.findall(r'href="/groups/(\d+)(\?as_of=[0-9-]+)?"', inbox))
    assert linked and all(query == f"?as_of={day}" for _, query in linked)


@pytest.mark.parametrize(
    ("value", "english", "chinese"),
    [
        ("garbage", "“garbage” is not a date", "“garbage”不是日期"),
        ("2016-13-01", "“2016-13-01” is not a date", "不是日期"),
        ("9999-12-31", "There is nothing to show as of 9999-12-31", "截至 9999-12-31 没有可显示的内容"),
        ("1900-01-01", "choose a date from 1990-01-01", "请选择 1990-01-01 到"),
    ],
)
def test_a_bad_date_is_a_clear_page_in_the_viewers_language(
    console: Console, client_as: Client, value: str, english: str, chinese: str
) -> None:
    client, _ = client_as("viewer")
    urls = ["/", f"/groups/{console.group_id}", f"/groups/{console.group_id}/members", "/members?q=m"]
    urls += [f"/members/{console.member_id}", f"/groups/{console.group_id}/topics", "/alerts?show=all"]
    for url in urls:
        joiner = "&" if "?" in url else "?"
        page = client.get(f"{url}{joiner}as_of={value}")
        assert page.status_code == 422, url
        assert english in page.text and "Traceback" not in page.text, url
    client.get("/language?set=zh&next=/")
    chinese_page = client.get(f"/?as_of={value}")
    assert chinese_page.status_code == 422 and chinese, chinese_page.text
    assert chinese in chinese_page.text


def test_a_workspace_whose_data_ended_long_ago_is_offered_its_last_day(
    console: Console, client_as: Client
) -> None:
    with console.engine.connect() as connection:
        assert queries.latest_event_day(connection, console.workspace) == LAST_DAY
        assert queries.latest_event_day(connection, console.workspace, console.quiet_group_id) == date(
            2024, 4, 11
        )
        assert queries.group_day_span(connection, console.group_id) == (FIRST_DAY, LAST_DAY)
    client, _ = client_as("viewer")
    late = client.get(f"/?as_of={LAST_DAY + timedelta(days=30)}").text
    assert "Your data ends on 2024-05-05." in late
    assert 'href="/?as_of=2024-05-05"' in late
    recent = client.get(f"/?as_of={LAST_DAY + timedelta(days=14)}").text
    assert "Your data ends on" not in recent  # two weeks is not yet "long ago"
    # On a group page, the group's own last day.
    quiet = client.get(f"/groups/{console.quiet_group_id}?as_of={console.as_of}").text
    assert "Your data ends on 2024-04-11." in quiet
    assert f'href="/groups/{console.quiet_group_id}?as_of=2024-04-11"' in quiet


def test_a_group_asked_for_before_its_history_says_when_it_begins(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    page = client.get(f"/groups/{console.group_id}?as_of=2024-04-01")
    assert page.status_code == 200
    assert "This group&#39;s history begins on 2024-05-01; nothing to show as of 2024-04-01." in page.text
    assert (
        f'href="/groups/{console.group_id}?as_of=2024-05-05"' in page.text
    )  # its first days, at most its last
    assert 'class="stage' not in page.text and 'id="members"' not in page.text
    assert 'id="registry"' in page.text  # the registry can still be edited
    members = client.get(f"/groups/{console.group_id}/members?as_of=2024-04-01")
    assert "history begins on 2024-05-01" in members.text and 'id="group-members"' not in members.text
    client.get("/language?set=zh&next=/")
    chinese = client.get(f"/groups/{console.group_id}?as_of=2024-04-01").text
    assert "这个群的记录从 2024-05-01 开始，截至 2024-04-01 没有可显示的内容。" in chinese
    assert client.get(f"/groups/{console.group_id}?as_of={FIRST_DAY}").text.count('class="stage') >= 1


def test_a_groups_members_list_searches_sorts_and_pages(
    console: Console, client_as: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qunops.console import group_pages

    client, _ = client_as("viewer")
    base = f"/groups/{console.group_id}/members?as_of={console.as_of}"
    page = client.get(base)
    assert page.status_code == 200
    assert sorted(member_names(page.text, "group-members")) == ["member1", "member2", "member3"]
    assert "3 / 3 members" in page.text
    searched = client.get(base + "&q=MEMBER2").text
    assert member_names(searched, "group-members") == ["member2"]
    assert client.get(base + "&q=nobody").text.count("No members match.") == 1
    by_name = client.get(base + "&sort=name&dir=whatever&page=zero")
    assert by_name.status_code == 200
    assert member_names(by_name.text, "group-members") == ["member1", "member2", "member3"]
    monkeypatch.setattr(group_pages, "MEMBERS_PER_PAGE", 2)
    first = client.get(base + "&sort=name").text
    second = client.get(base + "&sort=name&page=2").text
    assert member_names(first, "group-members") == ["member1", "member2"]
    assert member_names(second, "group-members") == ["member3"]
    assert (
        f'rel="next" href="/groups/{console.group_id}/members?sort=name&amp;as_of={console.as_of}&amp;page=2"'
        in first
    )
    assert client.get(base + "&sort=name&page=99").text.count("member3") >= 1  # past the end: the last page
    # Roles show as the group page shows them, in Chinese too.
    client.get("/language?set=zh&next=/")
    chinese = client.get(base).text
    assert "名成员" in chinese and "按名字搜索成员" in chinese


def last_activity(html: str, table: str) -> dict[str, str]:
    """Each member of the table with its "Last activity" cell."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<a href="/members/\d+[^"]*">([^<]+)</a>.*?<td>([^<]*)</td>\s*</tr>', body, re.S)
    return dict(rows)


def test_members_silent_for_months_show_the_day_they_last_spoke(console: Console, client_as: Client) -> None:
    # Months after the test group's last day its members are lurkers; the tables still say when each
    # last spoke, as the workspace's member search does, instead of a dash as for someone who never did.
    client, _ = client_as("viewer")
    later = LAST_DAY + timedelta(days=120)
    expected = {f"member{n}": LAST_DAY.isoformat() for n in (1, 2, 3)}
    listing = client.get(f"/groups/{console.group_id}/members?as_of={later}&sort=last").text
    assert last_activity(listing, "group-members") == expected
    group = client.get(f"/groups/{console.group_id}?as_of={later}").text
    assert last_activity(group, "members") == expected
    search = client.get(f"/members?q=member1&as_of={later}").text
    assert LAST_DAY.isoformat() in search


def test_members_of_another_workspace_stay_out_of_sight(console: Console, client_as: Client) -> None:
    client, _ = client_as("viewer")
    assert client.get(f"/groups/{console.foreign_group_id}/members").status_code == 404
    found = client.get("/members?q=member").text
    # member1 and member2 also wrote in the wechat group: an account there too.
    assert sorted(member_names(found, "found-members")) == [
        "member1",
        "member1",
        "member2",
        "member2",
        "member3",
    ]
    assert f"/members/{console.foreign_member_id}" not in found
    assert member_names(client.get("/members?q=ember1").text, "found-members") == ["member1"] * 2
    assert 'id="found-members"' not in client.get("/members").text  # nothing searched, nothing listed
    assert "No members match." in client.get("/members?q=%25").text  # a LIKE wildcard is a plain character
    anonymous, _ = client_as(None)
    assert anonymous.get("/members?q=member", follow_redirects=False).status_code == 303


def test_the_group_page_counts_members_as_its_header_does(console: Console, client_as: Client) -> None:
    """The workspace's own account is listed (as official) but counted apart, as every count does."""
    with console.engine.begin() as connection:
        connection.execute(members.update().where(members.c.id == console.member_id).values(is_operator=True))
    forget_summaries()
    client, _ = client_as("viewer")
    page = client.get(f"/groups/{console.group_id}?as_of={console.as_of.isoformat()}").text
    found = re.search(r'<dt>Members</dt><dd class="big">(\d+)</dd>', page)
    assert found is not None
    header = int(found[1])
    section = page.split('id="members-title"', 1)[1].split("</h2>", 1)[0]
    assert f"<small>{header}</small>" in section and "and 1 of your own accounts" in section
    assert f"All {header} members, with search" in page
    assert len(member_names(page, "members")) == header + 1


def test_a_member_as_of_a_date_has_the_messages_and_last_message_of_that_date(
    console: Console, client_as: Client
) -> None:
    """Counted from the event log itself: the member's messages up to the end of the day (Shanghai)."""
    client, _ = client_as("viewer")
    end = day_end_us(FIRST_DAY, ZoneInfo("Asia/Shanghai"))
    with console.engine.connect() as connection:

        def counted(until_us: int) -> tuple[int, int | None]:
            row = connection.execute(
                select(func.count(), func.max(events.c.ts_us)).where(
                    events.c.member_id == console.member_id,
                    events.c.kind == "message",
                    events.c.ts_us < until_us,
                )
            ).one()
            return int(row[0]), row[1]

        early, everything = counted(end), counted(2**62)
    assert 0 < early[0] < everything[0]  # the member spoke on the first day and later
    then = client.get(f"/api/members/{console.member_id}?as_of={FIRST_DAY.isoformat()}").json()
    now = client.get(f"/api/members/{console.member_id}?as_of={LAST_DAY.isoformat()}").json()
    [group_then] = [g for g in then["groups"] if g["group_id"] == console.group_id]
    [group_now] = [g for g in now["groups"] if g["group_id"] == console.group_id]
    assert (group_then["messages"], group_now["messages"]) == (early[0], everything[0])
    assert group_then["last_message"] < datetime_iso(end) <= group_now["last_message"]
    page = client.get(f"/members/{console.member_id}?as_of={FIRST_DAY.isoformat()}").text
    row = page.split('id="member-groups"', 1)[1].split("</tr>", 2)[1]
    assert f'<td class="num">{early[0]}</td>' in row


def datetime_iso(us: int) -> str:
    return from_us(us).isoformat().replace("+00:00", "Z")


def test_a_member_without_messages_in_the_chart_days_is_told_so_instead_of_empty_axes(
    console: Console, client_as: Client
) -> None:
    client, _ = client_as("viewer")
    active = client.get(f"/members/{console.member_id}?as_of={LAST_DAY}").text
    assert 'id="chart-member"' in active and 'id="member-no-activity"' not in active
    later = client.get(f"/members/{console.member_id}?as_of={LAST_DAY + timedelta(days=120)}").text
    assert 'id="chart-member"' not in later
    assert '<p class="empty" id="member-no-activity">No messages in these 60 days.</p>' in later
    assert (
        LAST_DAY.isoformat() in later.split('id="member-groups"', 1)[1]
    )  # the table says when they last spoke
    client.get("/language?set=zh&next=/")
    chinese = client.get(f"/members/{console.member_id}?as_of={LAST_DAY + timedelta(days=120)}").text
    assert "这 60 天内没有消息。" in chinese
