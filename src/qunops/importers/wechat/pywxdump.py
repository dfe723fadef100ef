"""xaoyaoo/PyWxDump CSV export: `<wxid>_<from>_<to>.csv`, UTF-8 without BOM, local `CreateTime`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from qunops.core.events import Event, GroupRef, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile
from qunops.importers.reading import UTF8_BOM, bad_value, column_count, csv_rows, expected_columns, local_time
from qunops.importers.wechat import content as kinds
from qunops.importers.wechat.system import YOU, system_events

COLUMNS = ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"]
_OWNER = "我"  # how PyWxDump names the exporting user
_SYSTEM_SENDER = "系统"


class PyWxDumpCsv:
    name = "pywxdump-csv"
    description = "PyWxDump chat export (.csv)"

    def sniff(self, head: bytes, filename: str) -> bool:
        first = head.removeprefix(UTF8_BOM).split(b"\n", 1)[0].strip().replace(b" ", b"")
        return first == ",".join(COLUMNS).encode()

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        rows = csv_rows(source, "utf-8-sig")
        header = next(rows, None)
        if header is None or [c.strip() for c in header[1]] != COLUMNS:
            raise ImportFormatError(source.name, 1, expected_columns(COLUMNS))
        groups: dict[str, GroupRef] = {}
        you = MemberRef(YOU)
        for line, row in rows:
            if len(row) != len(COLUMNS):
                raise ImportFormatError(source.name, line, column_count(COLUMNS, row))
            record = dict(zip(COLUMNS, row, strict=True))
            room = record["room_name"].strip()
            if not room:
                raise ImportFormatError(source.name, line, Text("empty {field}", field="room_name"))
            group = groups.get(room) or groups.setdefault(room, GroupRef(Platform.WECHAT, room, room))
            try:
                ts = local_time(datetime.strptime(record["CreateTime"].strip(), "%Y-%m-%d %H:%M:%S"), context)
            except ValueError:
                raise ImportFormatError(
                    source.name, line, bad_value("CreateTime", record["CreateTime"])
                ) from None
            source_id = record["MsgSvrID"].strip() or None
            if source_id == "0":
                source_id = None  # rows never sent to the server (local notices) have no server id
            talker = record["talker"].strip()
            type_name = record["type_name"].strip()
            if type_name in kinds.SYSTEM_NAMES or talker == _SYSTEM_SENDER:
                yield from system_events(group, ts, record["msg"], you=you, source_id=source_id)
                continue
            member = (
                you if talker == _OWNER or record["is_sender"].strip() == "1" else MemberRef(talker, talker)
            )
            kind, content = kinds.by_name(type_name, record["msg"])
            yield Event(
                group,
                kind,
                ts,
                member=member,
                content_type=content,
                text=record["msg"],
                source_id=source_id,
                payload={"src": record["src"]} if record["src"] else {},
            )
