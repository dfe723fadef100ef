"""What every importer is: a sniffer and a streaming parser that yields core events, with clear errors."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from qunops.core.events import Event
from qunops.core.platforms import Platform
from qunops.core.texts import Text


class ImportFormatError(Exception):
    """A file that cannot be imported. `str()` is `file:line: what is wrong`; `message` is the same as a
    `Text`, so that the console can say it in its language (the problem is a `Text` where the importer
    wrote it in fixed words, its values the file's own details)."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        self.message = located(f"{source}:{line}" if line is not None else source, problem)
        super().__init__(self.message)


def located(where: str, problem: str) -> Text:
    """`where: problem`, the form of every import error."""
    return Text("{where}: {problem}", where=where, problem=problem)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input file: a path on disk, or a member of a zip archive (`name` is `archive.zip!member`).

    `path` (and `member` for a zip member) say where it lives, so that another process can open it again;
    both are None for sources that exist only in memory.
    """

    name: str
    open_binary: Callable[[], IO[bytes]]
    size: int
    path: Path | None = None
    member: str | None = None

    @classmethod
    def from_path(cls, path: Path) -> SourceFile:
        return cls(str(path), lambda: path.open("rb"), path.stat().st_size, path)

    @classmethod
    def from_zip_member(cls, archive: Path, member: zipfile.ZipInfo) -> SourceFile:
        def opener() -> IO[bytes]:
            # Read the member into memory lazily only when its archive is small; otherwise stream it.
            zf = zipfile.ZipFile(archive)
            return _ClosingStream(zf.open(member), zf)

        return cls(f"{archive}!{member.filename}", opener, member.file_size, archive, member.filename)

    @classmethod
    def reopen(cls, path: Path, member: str | None) -> SourceFile:
        """The source with this `path` and `member`, as another process sees it."""
        if member is None:
            return cls.from_path(path)
        with zipfile.ZipFile(path) as archive:
            return cls.from_zip_member(path, archive.getinfo(member))

    def head(self, size: int = 65536) -> bytes:
        with self.open_binary() as stream:
            return stream.read(size)


class _ClosingStream(io.BufferedReader):
    def __init__(self, raw: IO[bytes], archive: zipfile.ZipFile) -> None:
        super().__init__(raw)  # type: ignore[arg-type]
        self._archive = archive

    def close(self) -> None:
        super().close()
        self._archive.close()


# Reasons for skipping a line that are fixed words (others name what was skipped): `Text`, so that the
# console shows them in its language, also when it reads them back from a stored import report.
PRIVATE_MESSAGE = Text("private message")
OUTSIDE_ANY_MESSAGE = Text("text outside any message")
BEFORE_FIRST_MESSAGE = Text("text before the first message")
ENCRYPTION_NOTICE = Text("encryption notice")
FIXED_SKIP_REASONS = (PRIVATE_MESSAGE, OUTSIDE_ANY_MESSAGE, BEFORE_FIRST_MESSAGE, ENCRYPTION_NOTICE)


@dataclass(slots=True)
class ParseContext:
    """What a parser needs besides the file: the timezone exports in local time are read in; and what it
    tells besides the events: lines it skipped, and whether it read times in that timezone."""

    timezone: ZoneInfo
    skipped: list[tuple[int | None, str]] = field(default_factory=list)  # (line, reason) not fatal
    read_local: bool = False  # a time of the file was local, read in `timezone` (`reading.local_time`)
    # The group id to file the export's chat under, where the format keys chats by name and the chat was
    # stored under an earlier name (`NamedChats`); None: the format's own.
    chat_id: str | None = None

    def skip(self, line: int | None, reason: str) -> None:
        self.skipped.append((line, reason))


@runtime_checkable
class NamedChats(Protocol):
    """A format without chat ids, keyed by the chat's name, whose exports tell the names a chat had."""

    platform: Platform

    def chat_id(self, source: SourceFile) -> str: ...

    def earlier_chat_ids(self, source: SourceFile) -> list[str]: ...


class Importer(Protocol):
    """An export format. `sniff` looks at the first bytes and the name; `parse` streams events."""

    name: str
    description: str

    def sniff(self, head: bytes, filename: str) -> bool: ...

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]: ...
