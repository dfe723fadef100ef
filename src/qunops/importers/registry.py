"""The known export formats, in the order format detection tries them (most specific first)."""

from __future__ import annotations

from qunops.importers.base import Importer
from qunops.importers.discord import DiscordCsv, DiscordJson
from qunops.importers.jsonl import QunopsJsonl
from qunops.importers.onebot import OneBotEvents
from qunops.importers.qq import QQChatExporterJson, QQText
from qunops.importers.telegram import TelegramJson
from qunops.importers.wechat import MemoTraceCsv, MemoTraceText, PyWxDumpCsv, WeFlowJson
from qunops.importers.whatsapp import WhatsAppText

IMPORTERS: list[Importer] = [
    QunopsJsonl(),
    OneBotEvents(),
    # JSON documents, recognised by their top-level keys
    QQChatExporterJson(),
    WeFlowJson(),
    DiscordJson(),
    TelegramJson(),
    # CSV files, recognised by their exact header row
    MemoTraceCsv(),
    PyWxDumpCsv(),
    DiscordCsv(),
    # text exports, recognised by their line grammar (the loosest last)
    QQText(),
    WhatsAppText(),
    MemoTraceText(),
]


def by_name(name: str) -> Importer | None:
    return next((importer for importer in IMPORTERS if importer.name == name), None)
