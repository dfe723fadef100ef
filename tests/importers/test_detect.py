"""Finding the exports in files, folders and zips, and telling their formats apart."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, SourceFile
from qunops.importers.detect import detect, expand_paths, find_exports
from tests.importers.support import memory_source, sample

WHATSAPP = "1/29/18, 12:24 - Alice: hi\n"
QQ = "消息记录（此消息记录为文本格式，不支持重新导入）\n\n2016-07-19 15:27:15 甲(20007919)\n好\n"


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (WHATSAPP.encode(), "a.txt", "whatsapp"),
        (b"[29.01.18, 12:24:03 PM] Bob: hi\n", "a.txt", "whatsapp"),
        (QQ.encode("gb18030"), "全部消息记录.txt", "qq-txt"),
        ("2024-01-01 08:00:00 阿甲\n早\n".encode(), "群.txt", "wechatmsg-txt"),
        (
            b'{"name": "x", "type": "private_supergroup", "id": 1,'
            b' "messages": [{"id": 1, "date_unixtime": "1"}]}',
            "result.json",
            "telegram-json",
        ),
        (b'{"guild": {"id": "1"}, "channel": {"id": "2"}, "messages": []}', "c.json", "discord-json"),
        (b'{"metadata": {}, "chatInfo": {"name": "g"}, "messages": []}', "q.json", "qq-chat-exporter"),
        (b'{"weflow": {}, "session": {"wxid": "1@chatroom"}, "messages": []}', "w.json", "weflow-json"),
        (b'{"time": 1, "self_id": 2, "post_type": "notice"}\n', "e.jsonl", "onebot-v11"),
        (b'"AuthorID","Author","Date","Content","Attachments","Reactions"\n', "c.csv", "discord-csv"),
        (
            "\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n".encode(),
            "x_utf8.csv",
            "wechatmsg-csv",
        ),
        (b"id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n", "p.csv", "pywxdump-csv"),
    ],
)
def test_detects_each_format(data: bytes, name: str, expected: str) -> None:
    assert detect(memory_source(data, name)).name == expected


def test_unknown_and_forced_formats() -> None:
    source = memory_source(b"hello world\n", "notes.txt")
    with pytest.raises(
        ImportFormatError, match=r"notes.txt: not a known export format \(tried: qunops-jsonl, "
    ):
        detect(source)
    assert detect(source, forced="whatsapp").name == "whatsapp"
    with pytest.raises(ImportFormatError, match="unknown format 'nope'"):
        detect(source, forced="nope")


def test_expand_paths_walks_folders_in_order_and_opens_zips(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "chat.txt").write_text(WHATSAPP)
    (tmp_path / "a.txt").write_text(QQ)
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # media next to an export: not an export
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        zf.writestr("_chat.txt", WHATSAPP)
        zf.writestr("IMG-0001.jpg", b"\xff\xd8")
    names = [
        Path(s.name.split("!")[0]).name + ("!" + s.name.split("!")[1] if "!" in s.name else "")
        for s in expand_paths([tmp_path])
    ]
    assert names == ["a.txt", "chat.txt", "c.zip!_chat.txt"]
    (member,) = expand_paths([tmp_path / "c.zip"])
    assert detect(member).name == "whatsapp"


def test_a_zip_without_an_export_is_an_error_naming_it(tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("IMG-0001.jpg", b"\xff\xd8")
    with pytest.raises(ImportFormatError, match=r"photos\.zip: no chat export inside the zip"):
        expand_paths([archive])
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ImportFormatError, match=r"broken\.zip"):
        expand_paths([broken])
    with pytest.raises(ImportFormatError, match="no such file"):
        expand_paths([tmp_path / "missing.txt"])


def test_source_file_from_path_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(WHATSAPP)
    assert SourceFile.from_path(path).head() == WHATSAPP.encode()


def _short(name: str, root: Path) -> str:
    return name.replace(str(root) + "/", "")


def test_a_folder_says_which_of_its_files_are_not_exports_and_counts_its_media(tmp_path: Path) -> None:
    (tmp_path / "chat.txt").write_text(WHATSAPP)
    (tmp_path / "README.md").write_text("# my exports\n")
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "Media").mkdir()
    (tmp_path / "Media" / "IMG-0001.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "Media" / "PTT-0001.opus").write_bytes(b"OggS")
    (tmp_path / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: not even mentioned
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as zf:
        zf.writestr("IMG-0002.jpg", b"\xff\xd8")
    with zipfile.ZipFile(tmp_path / "whatsapp.zip", "w") as zf:
        zf.writestr("_chat.txt", WHATSAPP)
        zf.writestr("IMG-0003.jpg", b"\xff\xd8")
        zf.writestr("notes.txt", "not a chat\n")
    found = find_exports(tmp_path)
    assert [_short(s.name, tmp_path) for s in found.exports] == ["chat.txt", "whatsapp.zip!_chat.txt"]
    assert [(_short(name, tmp_path), reason) for name, reason in found.skipped] == [
        ("README.md", f"not a known export format (tried: {_tried()})"),
        ("empty.json", "empty file"),
        ("photos.zip", "no chat export inside the zip"),  # one line for the zip, not one per photo
        ("whatsapp.zip!notes.txt", f"not a known export format (tried: {_tried()})"),
    ]
    assert all(isinstance(reason, Text) for _, reason in found.skipped)  # the console translates them
    assert found.media == 3 and found.failed == []


def test_a_folder_without_any_export_is_one_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "photos" / "notes.txt").write_text("hello\n")
    found = find_exports(tmp_path / "photos")
    assert [exc.message for exc in found.failed] == [f"{tmp_path / 'photos'}: no chat export in the folder"]
    assert [name for name, _ in found.skipped] == [str(tmp_path / "photos" / "notes.txt")]
    assert found.media == 1
    (tmp_path / "nothing").mkdir()
    (empty,) = find_exports(tmp_path / "nothing").failed
    assert empty.message == f"{tmp_path / 'nothing'}: the folder is empty"
    (missing,) = find_exports(tmp_path / "missing").failed
    assert missing.message == f"{tmp_path / 'missing'}: no such file or folder"


def test_a_damaged_zip_member_in_a_folder_fails_alone(tmp_path: Path) -> None:
    """A file that cannot be read is an error (the run fails), not a skipped file: it may well be the
    export the operator meant to import."""
    (tmp_path / "chat.txt").write_text(WHATSAPP)
    (tmp_path / "empty.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # a valid zip of nothing
    with zipfile.ZipFile(tmp_path / "cut.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_chat.txt", WHATSAPP * 50)
    data = (tmp_path / "cut.zip").read_bytes()
    (tmp_path / "cut.zip").write_bytes(data[:40] + b"\0" * 10 + data[50:])  # the member's bytes damaged
    found = find_exports(tmp_path)
    assert [_short(s.name, tmp_path) for s in found.exports] == ["chat.txt"]
    assert [(_short(name, tmp_path), reason) for name, reason in found.skipped] == [
        ("empty.zip", "no chat export inside the zip")
    ]
    assert [_short(exc.message, tmp_path) for exc in found.failed] == [
        "cut.zip!_chat.txt: cannot be read (Bad CRC-32 for file '_chat.txt')"
    ]


def test_an_empty_file_and_a_utf16_file_say_so(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError) as empty:
        detect(memory_source(b"", "chat.txt"))
    assert empty.value.message == "chat.txt: empty file"
    utf16 = memory_source("\ufeff".encode("utf-16-le") + WHATSAPP.encode("utf-16-le"), "chat.txt")
    with pytest.raises(ImportFormatError) as wide:
        detect(utf16)
    assert wide.value.message == "chat.txt: not UTF-8 text (looks like UTF-16): re-export or convert to UTF-8"


def test_a_real_whatsapp_export_saved_as_utf16_is_named_as_such(tmp_path: Path) -> None:
    text = sample("whatsapp/englishandroid24h.txt").read_text(encoding="utf-8-sig")
    converted = tmp_path / "chat.txt"
    converted.write_text(text, encoding="utf-16")  # with its BOM, as Windows editors save "Unicode"
    with pytest.raises(ImportFormatError, match=r"chat\.txt: not UTF-8 text \(looks like UTF-16\)"):
        detect(SourceFile.from_path(converted))
    assert detect(SourceFile.from_path(sample("whatsapp/englishandroid24h.txt"))).name == "whatsapp"


def test_the_sample_folder_names_the_messenger_export_it_does_not_import() -> None:
    root = sample("")
    found = find_exports(root)
    skipped = dict(found.skipped)
    assert skipped[str(root / "messenger" / "2A_7M.json")].startswith("not a known export format (tried: ")
    assert str(root / "SOURCES.md") in skipped
    assert str(root / "whatsapp" / "4A_11M.zip!_chat.txt") in [s.name for s in found.exports]
    assert found.failed == []
    (only,) = find_exports(root / "messenger").failed
    assert only.message == f"{root / 'messenger'}: no chat export in the folder"


def _tried() -> str:
    from qunops.importers.registry import IMPORTERS

    return ", ".join(i.name for i in IMPORTERS)


def test_a_device_is_named_as_such_and_one_in_a_folder_is_skipped_unopened(tmp_path: Path) -> None:
    """/dev/null is there but is no file: saying "no such file" sends the user looking for a typo. A pipe
    in a folder is listed, not opened (reading one would wait for a writer forever)."""
    (null,) = find_exports(Path("/dev/null")).failed
    assert (
        null.message
        == "/dev/null: not a file or folder (a device, pipe or socket): name the export file itself"
    )
    (tmp_path / "chat.txt").write_text(WHATSAPP)
    os.mkfifo(tmp_path / "pipe.txt")
    found = find_exports(tmp_path)
    assert [_short(s.name, tmp_path) for s in found.exports] == ["chat.txt"]
    assert [(_short(name, tmp_path), reason[:22]) for name, reason in found.skipped] == [
        ("pipe.txt", "not a file or folder (")
    ]
    assert found.failed == []


def test_a_path_that_cannot_be_looked_at_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (failed,) = find_exports(tmp_path / ("x" * 300)).failed  # longer than a file name may be
    assert failed.message == f"{tmp_path / ('x' * 300)}: cannot be read (file name too long)"


def test_a_link_loop_in_a_folder_is_named_and_the_folder_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "chats").mkdir()
    (tmp_path / "chats" / "chat.txt").write_text(WHATSAPP)
    (tmp_path / "chats" / "up").symlink_to(tmp_path)  # a link back up the tree: walked once
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    found = find_exports(tmp_path)
    assert [_short(s.name, tmp_path) for s in found.exports] == ["chats/chat.txt"]
    assert [_short(exc.message, tmp_path) for exc in found.failed] == [
        "loop.txt: cannot be read (too many levels of symbolic links)"
    ]


def test_a_zip_inside_a_zip_is_named_as_one(tmp_path: Path) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("_chat.txt", WHATSAPP)
    with zipfile.ZipFile(tmp_path / "outer.zip", "w") as zf:
        zf.write(inner, "exports/inner.zip")
        zf.writestr("exports/chat.txt", WHATSAPP)
    found = find_exports(tmp_path / "outer.zip")
    assert [_short(s.name, tmp_path) for s in found.exports] == ["outer.zip!exports/chat.txt"]
    assert [(_short(name, tmp_path), reason) for name, reason in found.skipped] == [
        (
            "outer.zip!exports/inner.zip",
            "a zip inside a zip is not read: unpack the outer zip and import what it holds",
        )
    ]


def test_a_zip_member_that_expands_a_thousandfold_is_refused_unread(tmp_path: Path) -> None:
    """A zip of 70 KB that would expand to 70 MB of one line: refused from its sizes, before reading."""
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_chat.txt", WHATSAPP.encode() + b"a" * (70 << 20))
    found = find_exports(tmp_path / "bomb.zip")
    assert found.exports == []
    (refused,) = found.failed
    assert refused.source == f"{tmp_path / 'bomb.zip'}!_chat.txt"
    assert refused.problem.startswith("expands ") and refused.problem.endswith(
        "times over, to 70 MB: refused (no chat export compresses this much)"
    )


def test_utf16_without_a_byte_order_mark_says_so() -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        with pytest.raises(ImportFormatError) as wide:
            detect(memory_source(WHATSAPP.encode(encoding) * 20, "chat.txt"))
        assert wide.value.message == (
            "chat.txt: not UTF-8 text (looks like UTF-16 without a byte order mark): "
            "re-export or convert to UTF-8"
        )


def test_a_database_and_other_binary_files_are_not_called_utf16(tmp_path: Path) -> None:
    # An import of the folder that holds qunops's own database met its files.
    import sqlite3

    database = tmp_path / "q.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
    connection.close()
    with pytest.raises(ImportFormatError) as found:
        detect(SourceFile.from_path(database))
    assert found.value.message == f"{database}: a SQLite database, not a chat export"
    zeros = memory_source(bytes(32768), "q.db-shm")  # a database's shared memory: zeros, mostly
    with pytest.raises(ImportFormatError) as binary:
        detect(zeros)
    assert "not a known export format" in binary.value.message
