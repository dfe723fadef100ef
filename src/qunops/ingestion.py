"""Importing exports into a workspace: files in, events stored, rollups refreshed, a summary out.

Each file is one transaction: a file that fails part-way stores nothing, while the other files of the
same run still import. A dry run parses and counts everything and stores nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import pickle
import queue
import subprocess
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection as DatabaseConnection
from sqlalchemy import Engine

from qunops.core.events import Event
from qunops.core.keys import KeyMaker
from qunops.core.parallel import python_child
from qunops.core.texts import Text
from qunops.core.time import from_us
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile, located
from qunops.importers.detect import detect, find_exports
from qunops.importers.registry import by_name
from qunops.store.aliases import link_name_only_members
from qunops.store.db import DATABASE_ERRORS, bulk_writing, driver_reason
from qunops.store.ingest import EventWriter, IngestSummary, Prepared, Preparer
from qunops.store.rollups import fill_rollups, fill_within

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int], None]  # (file name, events read so far in it)

# Files from this size are parsed in a second process while this one writes (parsing and writing each
# take about half of an import's time before the rollups, and one process runs one at a time). Starting
# that process costs about half a second, which smaller files do not win back.
PARSE_PROCESS_FROM = 16 * 2**20

# While this process waits for the parse process it rolls up what it has written (`fill_within`), in
# steps of this many events: enough that a step recomputes few days twice (a day the next events still
# touch is recomputed again), few enough that the parse process's batches queued meanwhile stay small.
FILL_STEP_LEAST = 20_000
FILL_STEP_MOST = 100_000


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction so that nothing it wrote is kept."""


class _ParseProcessError(Exception):
    """The process parsing a file died or failed for a reason other than the file's content."""

    def __init__(self, problem: Text) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(slots=True)
class FileReport:
    name: str
    format: str | None = None
    events_new: int = 0
    events_existing: int = 0
    error: str | None = None
    skipped: list[tuple[int | None, str]] = field(default_factory=list)


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
            writer = EventWriter(connection, workspace_id, batch_size)
            parsed = _ParseProcess.start(source, importer.name, zone, batch_size)
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
                connection, workspace_id, writer.group_ids, writer.name_only_members
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
    except _ParseProcessError as exc:
        report.error = located(source.name, exc.problem)
        return report
    report.events_new = summary.events_new
    report.events_existing = summary.events_existing
    report.skipped = context.skipped
    return report


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


class _ParseProcess:
    """A file parsed, keyed and prepared in a child process, which sends the events in batches.

    The child is a plain `python -c` process (not multiprocessing's spawn, which re-runs the caller's
    main module) in a session of its own, so Ctrl-C reaches only this process, which then ends it. A
    thread here reads its batches into a queue of `QUEUED_BATCHES`: the child runs that far ahead at
    most, and memory stays flat. Whatever ends the import (an error, Ctrl-C, the end) ends the child; if
    this process dies, the child's next send fails and it exits. A parse error in the child arrives as the
    same `ImportFormatError` (or `OSError`) the parser raised, so the file's transaction is rolled back as
    it is for a file parsed here.
    """

    QUEUED_BATCHES = 32  # about 21 MB of 5,000-message batches

    def __init__(self, process: subprocess.Popen[bytes], receiver: Connection) -> None:
        self._process = process
        self._receiver = receiver
        self._queue: queue.Queue[bytes | tuple[str, Any]] = queue.Queue(self.QUEUED_BATCHES)
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, name="parse-process-reader", daemon=True)
        self._reader.start()

    @classmethod
    def start(
        cls, source: SourceFile, importer: str, zone: ZoneInfo, batch_size: int
    ) -> _ParseProcess | None:
        """The child parsing `source`; None when the file is parsed here (small, not on disk, or no
        process could be started)."""
        if source.path is None or source.size < PARSE_PROCESS_FROM or zone.key is None:
            return None
        task = [str(source.path), source.member, importer, zone.key, batch_size]
        read_fd, write_fd = os.pipe()
        _widen(write_fd)
        try:
            process = python_child(_CHILD, json.dumps([*task, write_fd]), (write_fd,))
        except OSError:
            os.close(read_fd)
            return None  # parsing here is slower, not wrong
        finally:
            os.close(write_fd)  # the child holds the only sending end: its exit ends the pipe
        return cls(process, Connection(read_fd, writable=False))

    def __enter__(self) -> _ParseProcess:
        return self

    def __exit__(self, *_: object) -> None:
        # The child first: its end closes the pipe, which ends the reader's wait; then the reader.
        self._stop.set()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._reader.join()
        self._receiver.close()

    def batches(
        self, context: ParseContext, idle: Callable[[], bool] | None = None
    ) -> Iterator[list[Prepared]]:
        """The child's batches as they come. When none is waiting, `idle` (if given) may do other work
        first; it returns whether it did any, and is asked again until it does none."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                if idle is not None and idle():
                    continue
                item = self._queue.get()
            message: tuple[str, Any] = pickle.loads(item) if isinstance(item, bytes) else item
            what, value = message
            if what == "batch":
                yield value
            elif what == "done":
                context.skipped.extend(value)
                return
            elif what == "format":
                raise ImportFormatError(*value)
            elif what == "os":
                raise OSError(*value)
            elif what == "ended":
                raise _ParseProcessError(
                    Text("the parse process ended unexpectedly (exit code {code})", code=value)
                )
            else:
                log.error("the parse process failed:\n%s", value)
                last = value.strip().splitlines()[-1] if value.strip() else "no details"
                raise _ParseProcessError(Text("the parse process failed ({detail})", detail=last))

    def _read(self) -> None:
        """The reader thread: the child's messages into the queue, as they were sent (a 5,000-message
        batch is 0.65 MB so, 2.2 MB unpickled), until the child ends the pipe."""
        item: bytes | tuple[str, Any]
        while not self._stop.is_set():
            try:
                item = self._receiver.recv_bytes()
            except (EOFError, OSError):
                item = ("ended", self._process.wait())
            except Exception:  # anything else: the import fails with it rather than waiting forever
                item = ("crash", traceback.format_exc())
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if type(item) is not bytes:
                return


def _widen(fd: int) -> None:
    """Let the pipe hold a whole batch (about 650 KB for 5,000 messages) rather than 64 KB, so that the
    child hands one over in a single write and goes back to parsing, instead of waiting for the reader
    thread to take its turn at the interpreter for every 64 KB. A lower system limit refuses it: the pipe
    works all the same, with more waits."""
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 2**20)


_CHILD = "import sys; from qunops.ingestion import parse_in_child; parse_in_child(sys.argv[1])"


def parse_in_child(task: str) -> None:
    """The child's side of `_ParseProcess`: parse the file and send its prepared events in batches."""
    path, member, importer_name, zone, batch_size, fd = json.loads(task)
    sender = Connection(fd, readable=False)
    try:
        source = SourceFile.reopen(Path(path), member)
        importer = by_name(importer_name)
        assert importer is not None, importer_name
        context = ParseContext(timezone=ZoneInfo(zone))
        prepare = Preparer(KeyMaker()).prepare
        batch: list[Prepared] = []
        for event in importer.parse(source, context):
            batch.append(prepare(event))
            if len(batch) >= batch_size:
                sender.send(("batch", batch))
                batch = []
        if batch:
            sender.send(("batch", batch))
        message: tuple[str, Any] = ("done", context.skipped)
    except ImportFormatError as exc:
        message = ("format", (exc.source, exc.line, exc.problem))
    except OSError as exc:
        message = ("os", (exc.errno, exc.strerror) if exc.strerror else (str(exc),))
    except Exception:
        message = ("crash", traceback.format_exc())
    try:
        sender.send(message)
    except OSError:
        pass  # the parent stopped listening: it is ending the import already
    finally:
        sender.close()
