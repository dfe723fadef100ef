"""A file parsed in a second process while this one writes: the parent's side and the child's.

The child imports only the importers and `core` (no database code): it is on an import's critical path
from its start, and it starts in a tenth of a second instead of the import's third of one.
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
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from qunops.core.keys import KeyMaker
from qunops.core.parallel import python_child
from qunops.core.prepared import Prepared, Preparer
from qunops.core.texts import Text
from qunops.importers.base import Importer, ImportFormatError, ParseContext, SourceFile
from qunops.importers.registry import by_name

log = logging.getLogger(__name__)

# Files of about this many messages or more (estimated from their size and the format's bytes per message)
# are parsed in a second process while this one writes: parsing and writing each take about half of an
# import's time before the rollups, and one process runs one at a time. Below it, starting the process
# and passing the batches cost more than they win; measured side by side, the two ways take the same
# time at about 35,000 WhatsApp messages (3.5 MiB) and 40,000 Telegram ones (16 MiB).
PARSE_PROCESS_FROM = 40_000
MESSAGE_BYTES = 400  # a message's bytes in an export, where the format does not say (`message_bytes`)


class ParseProcessError(Exception):
    """The process parsing a file died or failed for a reason other than the file's content."""

    def __init__(self, problem: Text) -> None:
        super().__init__(problem)
        self.problem = problem


class ParseProcess:
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
        cls, source: SourceFile, importer: Importer, context: ParseContext, batch_size: int
    ) -> ParseProcess | None:
        """The child parsing `source` as `context` says; None when the file is parsed here (small, not on
        disk, or no process could be started)."""
        zone = context.timezone.key
        message_bytes = getattr(importer, "message_bytes", MESSAGE_BYTES)
        if source.path is None or source.size < PARSE_PROCESS_FROM * message_bytes or zone is None:
            return None
        task = [str(source.path), source.member, importer.name, zone, context.chat_id, batch_size]
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

    def __enter__(self) -> ParseProcess:
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
                skipped, read_local = value
                context.skipped.extend(skipped)
                context.read_local = context.read_local or read_local
                return
            elif what == "format":
                raise ImportFormatError(*value)
            elif what == "os":
                raise OSError(*value)
            elif what == "ended":
                raise ParseProcessError(
                    Text("the parse process ended unexpectedly (exit code {code})", code=value)
                )
            else:
                log.error("the parse process failed:\n%s", value)
                last = value.strip().splitlines()[-1] if value.strip() else "no details"
                raise ParseProcessError(Text("the parse process failed ({detail})", detail=last))

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


_CHILD = "import sys; from qunops.importers.parse_process import parse_in_child; parse_in_child(sys.argv[1])"


def parse_in_child(task: str) -> None:
    """The child's side of `ParseProcess`: parse the file and send its prepared events in batches."""
    path, member, importer_name, zone, chat_id, batch_size, fd = json.loads(task)
    sender = Connection(fd, readable=False)
    try:
        source = SourceFile.reopen(Path(path), member)
        importer = by_name(importer_name)
        assert importer is not None, importer_name
        context = ParseContext(timezone=ZoneInfo(zone), chat_id=chat_id)
        prepare = Preparer(KeyMaker()).prepare
        batch: list[Prepared] = []
        for event in importer.parse(source, context):
            batch.append(prepare(event))
            if len(batch) >= batch_size:
                sender.send(("batch", batch))
                batch = []
        if batch:
            sender.send(("batch", batch))
        message: tuple[str, Any] = ("done", (context.skipped, context.read_local))
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
