"""Finding the exports in files, folders and zips, and telling their formats apart."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from qunops.importers.base import ImportFormatError, SourceFile
from qunops.importers.detect import detect, expand_paths
from tests.importers.support import memory_source

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
