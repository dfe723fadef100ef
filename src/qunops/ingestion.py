"""Importing exports into a workspace: files in, events stored, rollups refreshed, a summary out.

Each file is one transaction: a file that fails part-way stores nothing, while the other files of the
same run still import. A dry run parses and counts everything and stores nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection as DatabaseConnection
from sqlalchemy import Engine

from qunops.core.events import Event
from qunops.core.keys import KeyMaker
from qunops.core.prepared import Prepared
from qunops.core.texts import Text
from qunops.core.time import from_us
from qunops.importers.base import ImportFormatError, NamedChats, ParseContext, SourceFile, located
from qunops.importers.detect import detect, find_exports
from qunops.importers.parse_process import ParseProcess, ParseProcessError
from qunops.store.aliases import link_name_only_members
from qunops.store.db import DATABASE_ERRORS, bulk_writing, driver_reason
from qunops.store.ingest import EventWriter, IngestSummary, has_groups, stored_group_ids
from qunops.store.rollups import fill_rollups, fill_within, newest_event_id

ProgressFn = Callable[[str, int], None]  # (file name, events read so far in it)

# While this process waits for the parse process it rolls up what it has written (`fill_within`), in
# steps of this many events: enough that a step recomputes few days twice (a day the next events still
# touch is recomputed again), few enough that the parse process's batches queued meanwhile stay small.
FILL_STEP_LEAST = 20_000
FILL_STEP_MOST = 100_000


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction so that nothing it wrote is kept."""


@dataclass(slots=True)
class FileReport:
    name: str
    format: str | None = None
    events_new: int = 0
    events_existing: int = 0
    error: str | None = None
    skipped: list[tuple[int | None, str]] = field(default_factory=list)
    local_times_in: str | None = None  # the timezone the file's local times were read in, if it had any


@dataclass(slots=True)
class SkippedFile:
    """A file found in a folder or zip that is not imported: not an export (a readme, notes, another
    app's export), with the reason."""

    name: str
    reason: str


@dataclass(slots=True)
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    total: IngestSummary = field(default_factory=IngestSummary)
    dry_run: bool = False
    skipped_files: list[SkippedFile] = field(default_factory=list)
    skipped_media: int = 0  # media files beside the exports (photos, voice messages...), passed over

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
                    "local_times_in": f.local_times_in,
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
            "skipped_files": [{"name": f.name, "reason": f.reason} for f in self.skipped_files],
            "skipped_media": self.skipped_media,
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
    """Import every export the paths name. Errors are per file and reported, never raised; the files of
    a folder or zip that are no export are reported as skipped."""
    report = ImportReport(dry_run=dry_run)
    sources: list[SourceFile] = []
    for path in paths:
        found = find_exports(path)
        sources += found.exports
        report.files += [FileReport(name=exc.source, error=exc.message) for exc in found.failed]
        report.skipped_files += [SkippedFile(name, reason) for name, reason in found.skipped]
        report.skipped_media += found.media
    with _dry_run(engine, workspace_id) if dry_run else contextlib.nullcontext() as shared:
        for source in sources:
            report.files.append(
                _import_file(
                    engine,
                    workspace_id,
                    source,
                    ZoneInfo(timezone),
                    forced_format,
                    shared,
                    batch_size,
                    progress,
                    report.total,
                )
            )
    if not dry_run and report.total.events_new:
        fill_rollups(engine)
    return report


@contextlib.contextmanager
def _dry_run(engine: Engine, workspace_id: int) -> Iterator[DatabaseConnection]:
    """One transaction for all the files of a dry run, rolled back at the end: each file is written in a
    savepoint of it (undone if the file fails), so a file counts what an earlier one of the same run would
    have stored as stored, as the real import does."""
    with contextlib.suppress(_DryRun), bulk_writing(engine, f"import:{workspace_id}") as connection:
        if connection.dialect.name == "sqlite":
            # The SQLite driver opens a transaction only at the first write; a savepoint opened before it
            # would be the outermost, and releasing it would commit the file.
            connection.exec_driver_sql("BEGIN")
        yield connection
        raise _DryRun


def import_events(
    engine: Engine, workspace_id: int, events: Iterator[Event], batch_size: int = 5000
) -> IngestSummary:
    """Store events that do not come from a file (the simulator, a gateway) in one transaction."""
    with bulk_writing(engine, f"import:{workspace_id}") as connection:
        return EventWriter(connection, workspace_id, batch_size).write(events, KeyMaker())


def _import_file(
    engine: Engine,
    workspace_id: int,
    source: SourceFile,
    zone: ZoneInfo,
    forced_format: str | None,
    dry_run: DatabaseConnection | None,  # a dry run's transaction, which the file is written in
    batch_size: int,
    progress: ProgressFn | None,
    total: IngestSummary,
) -> FileReport:
    report = FileReport(name=source.name)
    context = ParseContext(timezone=zone)
    try:
        importer = detect(source, forced_format)
        report.format = importer.name
        with _file_transaction(engine, workspace_id, dry_run) as connection:
            written_after = newest_event_id(connection)
            if isinstance(importer, NamedChats):
                context.chat_id = _stored_under_earlier_name(connection, workspace_id, importer, source)
            writer = EventWriter(connection, workspace_id, batch_size)
            parsed = ParseProcess.start(source, importer, context, batch_size)
            if parsed is not None:
                with parsed:
                    idle = None if dry_run is not None else lambda: _fill_step(connection)
                    batches = parsed.batches(context, idle)
                    if progress is not None:
                        batches = _counting_batches(batches, source.name, progress)
                    summary = writer.write_batches(batches)
            else:
                stream = importer.parse(source, context)
                if progress is not None:
                    stream = _counting(stream, source.name, progress)
                summary = writer.write(stream, KeyMaker())
            linked = link_name_only_members(
                connection, workspace_id, writer.group_ids, writer.name_only_members, written_after
            )
            summary.members = (summary.members - linked.gone) | linked.named
        total.add(summary)
    except ImportFormatError as exc:
        report.error = exc.message
        return report
    except OSError as exc:
        report.error = located(source.name, Text("cannot read ({detail})", detail=exc.strerror or str(exc)))
        return report
    except DATABASE_ERRORS as exc:
        refused = Text("the database refused the data ({error})", error=driver_reason(exc))
        report.error = located(source.name, refused)
        return report
    except ParseProcessError as exc:
        report.error = located(source.name, exc.problem)
        return report
    report.events_new = summary.events_new
    report.events_existing = summary.events_existing
    report.skipped = context.skipped
    report.local_times_in = zone.key if context.read_local else None
    return report


def _stored_under_earlier_name(
    connection: DatabaseConnection, workspace_id: int, importer: NamedChats, source: SourceFile
) -> str | None:
    """Where a format keys chats by name: the group an earlier export stored this chat under, when the
    chat has been renamed since (the export's renames name the old name) and no group has the new one;
    None otherwise. The export is searched for renames (a third of a second per 100 MB) only when its
    chat's name is new here and the workspace has groups of the platform."""
    if stored_group_ids(connection, workspace_id, [importer.chat_id(source)]):
        return None
    if not has_groups(connection, workspace_id, importer.platform):
        return None
    earlier = importer.earlier_chat_ids(source)
    stored = stored_group_ids(connection, workspace_id, earlier)
    return next((chat_id for chat_id in earlier if chat_id in stored), None)


@contextlib.contextmanager
def _file_transaction(
    engine: Engine, workspace_id: int, dry_run: DatabaseConnection | None
) -> Iterator[DatabaseConnection]:
    """A file's own transaction, other imports waiting; in a dry run, a savepoint of the run's."""
    if dry_run is None:
        with bulk_writing(engine, f"import:{workspace_id}") as connection:
            yield connection
    else:
        with dry_run.begin_nested():
            yield dry_run


def _fill_step(connection: DatabaseConnection) -> bool:
    return fill_within(connection, FILL_STEP_LEAST, FILL_STEP_MOST) > 0


def _counting(events: Iterator[Event], name: str, progress: ProgressFn) -> Iterator[Event]:
    count = 0
    for event in events:
        count += 1
        if count % 10_000 == 0:
            progress(name, count)
        yield event
    progress(name, count)


def _counting_batches(
    batches: Iterator[list[Prepared]], name: str, progress: ProgressFn
) -> Iterator[list[Prepared]]:
    count = 0
    for batch in batches:
        before, count = count, count + len(batch)
        if count // 10_000 != before // 10_000:
            progress(name, count - count % 10_000)
        yield batch
    progress(name, count)
