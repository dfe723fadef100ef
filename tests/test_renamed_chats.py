"""A WhatsApp chat renamed between two exports stays one group: WhatsApp keys a chat by its name (the
file's), and a later export under the new name is filed under the group an earlier export stored when
its own rename lines name the old name. Real imports, on SQLite and PostgreSQL, parsed here and in the
parse process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import qunops.importers.parse_process as parse_process
from qunops.importers.base import SourceFile
from qunops.importers.whatsapp import WhatsAppText
from qunops.ingestion import import_paths
from qunops.store.schema import events, groups

BEFORE = (
    '3/1/24, 09:00 - Alice created group "Mix"\n3/1/24, 09:01 - Alice: hello\n3/2/24, 10:00 - Bob: morning\n'
)
RENAMED = BEFORE + (
    '3/3/24, 11:00 - Alice changed the subject from "Mix" to "Mix 2"\n'
    "3/3/24, 11:05 - Bob: nice name\n"
    "3/4/24, 12:00 - Alice: see you\n"
)


def _write(folder: Path, chat: str, text: str) -> Path:
    path = folder / f"WhatsApp Chat with {chat}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _import(engine: Engine, workspace: int, path: Path) -> dict[str, object]:
    report = import_paths(engine, workspace, [path], "UTC")
    assert report.ok, [f.error for f in report.files]
    return report.as_json()


@pytest.mark.parametrize("in_child", [False, True], ids=["here", "parse process"])
def test_a_later_export_under_the_new_name_adds_only_what_is_new_to_the_same_group(
    engine: Engine, workspace: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_child: bool
) -> None:
    monkeypatch.setattr(parse_process, "PARSE_PROCESS_FROM", 0 if in_child else 2**62)
    first = _import(engine, workspace, _write(tmp_path, "Mix", BEFORE))
    assert (first["groups"], first["events_new"]) == (1, 3)
    later = _import(engine, workspace, _write(tmp_path, "Mix 2", RENAMED))
    assert (later["events_new"], later["events_existing"]) == (3, 3)
    with engine.connect() as connection:
        stored = connection.execute(select(groups.c.external_id, groups.c.name)).all()
        count = len(connection.execute(select(events.c.id)).all())
    assert stored == [("whatsapp:Mix", "Mix 2")] and count == 6  # one group, under its new name
    again = _import(engine, workspace, _write(tmp_path, "Mix 2", RENAMED))
    assert (again["events_new"], again["events_existing"]) == (0, 6)


def test_a_chat_whose_old_name_nobody_stored_is_a_group_of_its_own(
    engine: Engine, workspace: int, tmp_path: Path
) -> None:
    _import(engine, workspace, _write(tmp_path, "Other", BEFORE.replace("Mix", "Other")))
    summary = _import(engine, workspace, _write(tmp_path, "Mix 2", RENAMED))
    assert summary["events_new"] == 6
    with engine.connect() as connection:
        ids = sorted(connection.execute(select(groups.c.external_id)).scalars())
    assert ids == ["whatsapp:Mix 2", "whatsapp:Other"]


def test_the_old_names_come_from_rename_lines_only_oldest_first(tmp_path: Path) -> None:
    chat = (
        '\ufeff01/03/2024, 09:00 - Ana: he changed the subject from "Jokes" to "Work" yesterday\r\n'
        '01/03/2024, 09:01 - Ana changed the subject from "Lectores" to "Club"\r\n'
        "[02.03.24, 10:00:00] \u200eBen hat den Betreff von „Club“ zu „Runde“ geändert.\r\n"
        '03/03/2024, 11:00 - Carla cambió el asunto de "Runde" a "Tertulia"\r\n'
        '2024/03/04 上午9:00 - 张三 将群组名称从"Tertulia"更改为"读书会"\r\n'
        '05/03/2024, 11:00 - Ana changed the group name to "Final"\r\n'  # names no old name
    )
    path = _write(tmp_path, "Final", chat)
    found = WhatsAppText().earlier_chat_ids(SourceFile.from_path(path))
    assert found == ["whatsapp:Lectores", "whatsapp:Club", "whatsapp:Runde", "whatsapp:Tertulia"]
