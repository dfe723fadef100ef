"""Helpers for importer tests: run an importer over bytes or a sample file and summarise the events."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from qunops.core.events import Event, EventKind
from qunops.importers.base import Importer, ParseContext, SourceFile

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
UTC_ZONE = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sample(relative: str) -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is absent")
    return SAMPLES / relative


def memory_source(data: bytes, name: str = "chat.txt") -> SourceFile:
    return SourceFile(name, lambda: io.BytesIO(data), len(data))


def run(
    importer: Importer, source: SourceFile | bytes, name: str = "chat.txt", zone: ZoneInfo = UTC_ZONE
) -> list[Event]:
    if isinstance(source, bytes):
        source = memory_source(source, name)
    return list(importer.parse(source, ParseContext(zone)))


def run_path(importer: Importer, path: Path, zone: ZoneInfo = UTC_ZONE) -> list[Event]:
    return run(importer, SourceFile.from_path(path), zone=zone)


@dataclass(frozen=True)
class Summary:
    messages: int
    joins: int
    leaves: int
    removals: int
    recalls: int
    members: int
    groups: int


def summary(events: list[Event]) -> Summary:
    kinds = Counter(event.kind for event in events)
    return Summary(
        messages=kinds[EventKind.MESSAGE],
        joins=kinds[EventKind.JOIN],
        leaves=kinds[EventKind.LEAVE],
        removals=kinds[EventKind.REMOVAL],
        recalls=kinds[EventKind.RECALL],
        members=len({e.member.identity_key() for e in events if e.member is not None}),
        groups=len({(e.group.platform, e.group.external_id) for e in events}),
    )
