"""Importing exports into a workspace: files in, events stored, rollups refreshed, a summary out.

Each file is one transaction: a file that fails part-way stores nothing, while the other files of the
same run still import. A dry run parses and counts everything and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from qunops.core.events import Event
from qunops.core.keys import KeyMaker
from qunops.core.time import from_us
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile
from qunops.importers.detect import detect, expand_paths
from qunops.store.ingest import EventWriter, IngestSummary
from qunops.store.rollups import fill_rollups

ProgressFn = Callable[[str, int], None]  # (file name, events read so far in it)


class _DryRun(Exception):
    """Raised inside a dry run's transaction so that nothing it wrote is kept."""


@dataclass(slots=True)
class FileReport:
    name: str
    format: str | None = None
    events_new: int = 0
    events_existing: int = 0
    error: str | None = None
    skipped: list[tuple[int | None, str]] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    total: IngestSummary = field(default_factory=IngestSummary)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return all(f.error is None for f in self.files) and bool(self.files)

    def as_json(self) -> dict[str, Any]:
        total = self.total
        return {
            "files": [
                {
                    "name": f.name,
                    "format": f.format,
                    "events_new": f.events_new,
                    "events_existing": f.events_existing,
                    "error": f.error,
                    "skipped": [{"line": line, "reason": reason} for line, reason in f.skipped],
                }
                for f in self.files
            ],
            "groups": len(total.groups),
            "members": len(total.members),
            "events_new": total.events_new,
            "events_existing": total.events_existing,
            "by_kind": dict(sorted(total.by_kind.items())),
            "first": from_us(total.first_us).isoformat() if total.first_us is not None else None,
            "last": from_us(total.last_us).isoformat() if total.last_us is not None else None,
            "dry_run": self.dry_run,
            "ok": self.ok,
        }


def import_paths(
    engine: Engine,
    workspace_id: int,
    paths: list[Path],
    timezone: str,
    forced_format: str | None = None,
    dry_run: bool = False,
    batch_size: int = 5000,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import every export the paths name. Errors are per file and reported, never raised."""
    report = ImportReport(dry_run=dry_run)
    sources: list[SourceFile] = []
    for path in paths:
        try:
            sources.extend(expand_paths([path]))
        except ImportFormatError as exc:
            report.files.append(FileReport(name=str(path), error=str(exc)))
    for source in sources:
        report.files.append(
            _import_file(
                engine,
                workspace_id,
                source,
                ZoneInfo(timezone),
                forced_format,
                dry_run,
                batch_size,
                progress,
                report.total,
            )
        )
    if not dry_run and report.total.events_new:
        fill_rollups(engine)
    return report


def import_events(
    engine: Engine, workspace_id: int, events: Iterator[Event], batch_size: int = 5000
) -> IngestSummary:
    """Store events that do not come from a file (the simulator, a gateway) in one transaction."""
    with engine.begin() as connection:
        return EventWriter(connection, workspace_id, batch_size).write(events, KeyMaker())


def _import_file(
    engine: Engine,
    workspace_id: int,
    source: SourceFile,
    zone: ZoneInfo,
    forced_format: str | None,
    dry_run: bool,
    batch_size: int,
    progress: ProgressFn | None,
    total: IngestSummary,
) -> FileReport:
    report = FileReport(name=source.name)
    context = ParseContext(timezone=zone)
    try:
        importer = detect(source, forced_format)
        report.format = importer.name
        with engine.begin() as connection:
            stream = importer.parse(source, context)
            if progress is not None:
                stream = _counting(stream, source.name, progress)
            summary = EventWriter(connection, workspace_id, batch_size).write(stream, KeyMaker())
            if dry_run:
                raise _DryRun
        total.add(summary)
    except _DryRun:
        total.add(summary)
    except ImportFormatError as exc:
        report.error = str(exc)
        return report
    except OSError as exc:
        report.error = f"{source.name}: cannot read ({exc.strerror or exc})"
        return report
    except SQLAlchemyError as exc:
        report.error = f"{source.name}: the database refused the data ({type(exc).__name__})"
        return report
    report.events_new = summary.events_new
    report.events_existing = summary.events_existing
    report.skipped = context.skipped
    return report


def _counting(events: Iterator[Event], name: str, progress: ProgressFn) -> Iterator[Event]:
    count = 0
    for event in events:
        count += 1
        if count % 10_000 == 0:
            progress(name, count)
        yield event
    progress(name, count)
