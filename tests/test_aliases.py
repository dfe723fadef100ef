"""Name-only members of system lines linked to the member they name (`store.aliases`), through real
imports of QQ TXT exports on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select

from qunops.ingestion import import_paths
from qunops.store.schema import events, group_days, member_days, members, memberships
from tests.importers.test_qq import HEADER
from tests.store_helpers import refilled_from_scratch, table_states


def line(stamp: str, sender: str, text: str) -> str:
    return f"2020-03-{stamp} {sender}\n{text}\n\n"


# 小赵 joins by name only (a system line), then speaks with a QQ number; the next days 小王 and 小赵 talk.
JOIN = line("01 9:00:00", "小王(10001)", "大家好") + line(
    "01 9:07:00", "系统消息(10000)", "小王邀请小赵加入了本群"
)
FIRST_WORDS = line("01 9:09:00", "小赵(10003)", "谢谢邀请") + line("01 9:10:00", "小王(10001)", "欢迎")
LATER = "".join(
    line(f"0{day} 10:0{n}:00", "小赵(10003)" if n % 2 else "小王(10001)", f"第{day}天 {n}")
    for day in (2, 3)
    for n in range(4)
)


def write(tmp_path: Path, name: str, *chats: tuple[str, str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(HEADER.format(title=title) + body for title, body in chats), encoding="utf-8")
    return path


def imported(engine: Engine, workspace: int, path: Path) -> dict[str, object]:
    report = import_paths(engine, workspace, [path], "Asia/Shanghai")
    assert report.ok, [f.error for f in report.files]
    return report.as_json()


def member_rows(engine: Engine) -> dict[str, tuple[object, ...]]:
    """Each member of the group by identity: (joined, messages, inviter's identity)."""
    with engine.connect() as connection:
        ids = dict(connection.execute(select(members.c.id, members.c.external_id)).all())
        rows = connection.execute(
            select(
                memberships.c.member_id,
                memberships.c.joined_us,
                memberships.c.messages,
                memberships.c.inviter_id,
            )
        ).all()
    return {ids[m]: (joined is not None, messages, ids.get(inviter)) for m, joined, messages, inviter in rows}


def test_a_name_only_join_is_the_member_who_then_speaks(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    summary = imported(engine, workspace, write(tmp_path, "a.txt", ("读书会", JOIN + FIRST_WORDS + LATER)))
    assert summary["members"] == 2  # 小王 and 小赵, not also "name:小赵"
    assert member_rows(engine) == {"10001": (False, 6, None), "10003": (True, 5, "10001")}
    with engine.connect() as connection:
        new_speakers = connection.execute(select(group_days.c.new_member_speakers)).scalars().all()
    assert sum(new_speakers) >= 1  # 小赵 spoke as a new member on the day of the join
    # What the link left in the rollups is what a fill of the whole log from scratch gives.
    before = table_states(engine)
    assert refilled_from_scratch(engine) == before


def test_a_join_stored_by_an_earlier_import_is_linked_by_the_next(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    # The first export ends with the join: 小赵 has not spoken yet, so the join stays name-only.
    imported(engine, workspace, write(tmp_path, "first.txt", ("读书会", JOIN)))
    assert member_rows(engine) == {"10001": (False, 1, None), "name:小赵": (True, 0, "10001")}
    # The next export overlaps it and goes on: the stored join (already rolled up) moves to 小赵.
    summary = imported(
        engine, workspace, write(tmp_path, "second.txt", ("读书会", JOIN + FIRST_WORDS + LATER))
    )
    assert summary["events_existing"] == 2 and summary["members"] == 2
    assert member_rows(engine) == {"10001": (False, 6, None), "10003": (True, 5, "10001")}
    with engine.connect() as connection:
        assert connection.execute(select(member_days.c.member_id).distinct()).scalars().all() != []
    before = table_states(engine)
    assert refilled_from_scratch(engine) == before
    # Importing either file again changes nothing.
    for name in ("first.txt", "second.txt"):
        again = imported(engine, workspace, tmp_path / name)
        assert again["events_new"] == 0
        assert table_states(engine, skip=("import_runs",)) == {
            k: v for k, v in before.items() if k != "import_runs"
        }


def test_a_name_two_members_used_links_nobody(engine: Engine, workspace: int, tmp_path: Path) -> None:
    # Two people with QQ numbers have been called 小赵 in this group: the join could be either.
    body = JOIN + FIRST_WORDS + line("01 9:20:00", "小赵(10004)", "我也叫小赵")
    imported(engine, workspace, write(tmp_path, "a.txt", ("读书会", body)))
    rows = member_rows(engine)
    assert rows["name:小赵"] == (True, 0, "10001")
    assert rows["10003"] == (False, 1, None) and rows["10004"] == (False, 1, None)


def test_a_name_is_linked_only_to_a_member_of_the_same_group(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    # 小赵 (10003) speaks in 跑步群 only; the 读书会 join of someone called 小赵 is not linked to them.
    path = write(tmp_path, "two.txt", ("读书会", JOIN), ("跑步群", FIRST_WORDS))
    summary = imported(engine, workspace, path)
    assert summary["members"] == 3  # 小王, 小赵 (10003) and the name-only 小赵 of 读书会
    with engine.connect() as connection:
        named = connection.execute(
            select(memberships.c.group_id, members.c.external_id)
            .join(members, members.c.id == memberships.c.member_id)
            .order_by(memberships.c.group_id, members.c.external_id)
        ).all()
    assert [identity for _, identity in named] == ["10001", "name:小赵", "10001", "10003"]


def test_telegram_invited_by_name_then_speaking(engine: Engine, workspace: int, tmp_path: Path) -> None:
    # Telegram Desktop lists invited members by name only; their messages carry their user id.
    def record(id_: int, **fields: object) -> dict[str, object]:
        return {
            "id": id_,
            "date": "2024-01-01T10:00:00",
            "date_unixtime": str(1704103200 + 60 * id_),
            "text": "",
            "text_entities": [],
            **fields,
        }

    chat = {
        "name": "Runners",
        "type": "private_supergroup",
        "id": 1500000001,
        "messages": [
            record(1, type="message", **{"from": "Ann", "from_id": "user1"}, text="hello"),
            record(
                2, type="service", actor="Ann", actor_id="user1", action="invite_members", members=["Cat"]
            ),
            record(3, type="message", **{"from": "Cat", "from_id": "user3"}, text="thanks for the invite"),
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(chat), encoding="utf-8")
    summary = imported(engine, workspace, path)
    assert summary["members"] == 2
    assert member_rows(engine) == {
        "1": (False, 1, None),
        "3": (True, 1, "1"),
    }  # ids as the Bot API writes them


def test_a_name_in_a_later_export_is_linked_to_a_member_of_an_earlier_one(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    # 小赵 spoke in the first export; the second holds only a recall notice naming them by card.
    imported(engine, workspace, write(tmp_path, "first.txt", ("读书会", FIRST_WORDS)))
    recall = line("05 9:00:00", "系统消息(10000)", "小赵撤回了一条消息")
    summary = imported(engine, workspace, write(tmp_path, "second.txt", ("读书会", recall)))
    assert summary["members"] == 1 and summary["by_kind"] == {"recall": 1}
    with engine.connect() as connection:
        of_recall = connection.execute(
            select(members.c.external_id)
            .join(events, events.c.member_id == members.c.id)
            .where(events.c.kind == "recall")
        ).scalar_one()
    assert of_recall == "10003"


def test_a_welcome_that_names_the_newcomer_is_a_mention_of_the_member_they_are(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    welcome = line("01 9:08:00", "小王(10001)", "欢迎@小赵 入群")
    imported(engine, workspace, write(tmp_path, "a.txt", ("读书会", JOIN + welcome + FIRST_WORDS)))
    with engine.connect() as connection:
        received = connection.execute(
            select(members.c.external_id, member_days.c.mentions_received).join(
                members, members.c.id == member_days.c.member_id
            )
        ).all()
    assert ("10003", 1) in [tuple(r) for r in received]
    before = table_states(engine)
    assert refilled_from_scratch(engine) == before


def test_a_wechat_invitation_in_plain_text_is_of_the_member_who_then_speaks(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    # WeChatMsg / MemoTrace CSV: the invitation names 李四 by display name; their message has a wxid.
    from tests.importers.test_wechat import MEMOTRACE_HEADER, _csv

    def row(n: int, kind: str, text: str, name: str, wxid: str) -> list[str]:
        stamp = 1704067200 + 60 * n
        return [str(n), "217", kind, "0", "0", str(stamp), "", text, "", "", name, wxid]

    path = tmp_path / "读书会.csv"
    path.write_bytes(
        _csv(
            [
                MEMOTRACE_HEADER.split(","),
                row(1, "1", "大家好", "张三", "wxid_zhang"),
                row(2, "10000", '"张三"邀请"李四"加入了群聊', "", ""),
                row(3, "1", "谢谢邀请", "李四", "wxid_li"),
            ]
        )
    )
    summary = imported(engine, workspace, path)
    assert summary["members"] == 2
    assert member_rows(engine) == {"wxid_zhang": (False, 1, None), "wxid_li": (True, 1, "wxid_zhang")}
