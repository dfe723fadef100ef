"""Streaming readers shared by the importers: decoded text lines, CSV rows and JSON records, with every
low-level failure (bad encoding, broken zip member, truncated JSON) turned into an ImportFormatError."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import ijson

from qunops.core.texts import Text
from qunops.importers.base import ImportFormatError, ParseContext, SourceFile

# Errors a stream can raise while being read: a corrupt zip member (bad CRC, bad deflate data, cut short)
# or an unreadable file. They all mean "this file cannot be imported".
READ_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, EOFError, OSError)

UTF8_BOM = codecs.BOM_UTF8


# The longest line a line-based export may have. No chat app lets a message line be anywhere near this
# long (WhatsApp caps a message at 65,536 characters); a longer line is a file that is no export, or one
# made to exhaust memory (a zip member of a few kilobytes can expand to a single line of gigabytes).
LONGEST_LINE = 16 << 20


def line_too_long() -> Text:
    return Text("a line longer than {limit} characters: not a chat export", limit=f"{LONGEST_LINE:,}")


class LineTooLong(ValueError):
    """Raised by `limit_lines`' stream: a line longer than LONGEST_LINE bytes."""


class _LineLimit(io.RawIOBase):
    """The bytes of a binary stream, refusing (LineTooLong) to run LONGEST_LINE bytes without a line end,
    so that a reader of whole lines never holds a longer one."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._run = 0  # bytes since the last line end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        ends = [at for at in (data.find(b"\n"), data.find(b"\r")) if at >= 0]
        if self._run + (min(ends) if ends else count) > LONGEST_LINE:
            raise LineTooLong  # the line running on from earlier reads, or the first here, is too long
        if ends:
            self._run = count - max(data.rfind(b"\n"), data.rfind(b"\r")) - 1
        else:
            self._run += count
        return count


def limit_lines(raw: IO[bytes]) -> io.BufferedReader:
    """`raw` read through a buffer that raises LineTooLong where a line grows past LONGEST_LINE bytes."""
    return io.BufferedReader(_LineLimit(raw))


def text_lines(source: SourceFile, encoding: str) -> Iterator[tuple[int, str]]:
    """Numbered lines of a text file, without their line ends.

    Universal newlines: CRLF, LF and a bare CR all end a line, because the QQ and WhatsApp exporters
    mix them (a bare CR inside a multi-line message is a line break the author typed).
    """
    with source.open_binary() as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline=None)
        number = 0
        while True:
            try:
                line = stream.readline(LONGEST_LINE + 1)
            except UnicodeDecodeError:
                raise ImportFormatError(source.name, number + 1, not_valid_text(encoding)) from None
            except READ_ERRORS as exc:
                raise ImportFormatError(source.name, number + 1, unreadable(exc)) from None
            if not line:
                return
            if len(line) > LONGEST_LINE and not line.endswith("\n"):
                raise ImportFormatError(source.name, number + 1, line_too_long())
            number += 1
            yield number, line.rstrip("\n")


def csv_rows(source: SourceFile, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV file with the line number each row starts on."""
    with source.open_binary() as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        reader = csv.reader(stream, strict=True)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise ImportFormatError(source.name, start, not_valid_text(encoding)) from None
            except csv.Error as exc:
                raise ImportFormatError(
                    source.name, start, Text("broken CSV ({detail})", detail=str(exc))
                ) from None
            except READ_ERRORS as exc:
                raise ImportFormatError(source.name, start, unreadable(exc)) from None
            yield start, row


class _JsonBytes(io.RawIOBase):
    """The byte stream a JSON parser reads: a leading UTF-8 BOM removed (the parser rejects it), and the
    last stretch of what it read kept, with the lines before it counted, so that a parse error can name
    its line (`error_line`). Counting lines costs a `bytes.count` per 64 KiB read."""

    _KEEP = 1 << 17  # the parser reads 64 KiB at a time: its error is within the last read

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        head = raw.read(3)
        self._pending = head[3:] if head.startswith(UTF8_BOM) else head
        self._kept: deque[bytes] = deque()
        self._kept_size = 0
        self._lines_before = 0  # line ends in what was read before the kept stretch
        self._ended = False  # the parser has read to the end of the file

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            data = self._pending if size < 0 else self._pending[:size]
            self._pending = self._pending[len(data) :]
        else:
            data = self._raw.read(size)
            self._ended = not data and size != 0
        if data:
            self._kept.append(data)
            self._kept_size += len(data)
            while self._kept_size - len(self._kept[0]) >= self._KEEP:
                dropped = self._kept.popleft()
                self._kept_size -= len(dropped)
                self._lines_before += dropped.count(b"\n")
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def error_line(self, exc: BaseException) -> int | None:
        """The line of the file where the parser stopped, or None where that cannot be told for sure.

        A file cut short ends in the middle of its last line. Otherwise yajl's message shows the text up
        to the byte it stopped at (its line ends written as spaces) above a caret: that text, found once
        in the kept stretch, gives the line."""
        kept = b"".join(self._kept)
        lines = _message(exc).split(b"\n")
        if len(lines) < 3 or b"^" not in lines[2]:
            lines = [*lines[:1], b"", b""]
        # yajl counts columns in bytes, and cuts its 30 bytes anywhere, even inside a character.
        before = lines[1][: lines[2].index(b"^")].lstrip(b" ") if b"^" in lines[2] else b""
        cut = b"premature EOF" in lines[0] or b"Incomplete JSON content" in lines[0]
        if cut or (not before and self._ended and _ends_inside_character(kept)):
            ends = self._lines_before + kept.count(b"\n")
            return ends + 1 if kept and not kept.endswith(b"\n") else max(ends, 1)
        if len(before) < 8:  # too little to be found once
            return None
        flat = kept.replace(b"\r", b" ").replace(b"\n", b" ")
        at = flat.find(before)
        if at < 0 or flat.find(before, at + 1) >= 0:
            return None
        # The caret stands after the token the parser stopped at, or (for some one-byte tokens) before
        # it; a token is never white space, so from white space the token is the next byte that is not.
        stopped = at + len(before) - 1
        while flat[stopped : stopped + 1] in (b" ", b"\t") and stopped + 1 < len(flat):
            stopped += 1
        return self._lines_before + kept.count(b"\n", 0, stopped) + 1


def _ends_inside_character(data: bytes) -> bool:
    """Whether the bytes end with the first bytes of a UTF-8 character only (a file cut there)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return False
        if byte >= 0xC0:  # the character's first byte: how many it needs
            return back < (2 if byte < 0xE0 else 3 if byte < 0xF0 else 4)
    return False


def _message(exc: BaseException) -> bytes:
    """A JSON error's message as bytes: ijson hands yajl's over as bytes where they are not UTF-8 (the
    excerpt of the file in it can end inside a character)."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, bytes) else str(first).encode("utf-8", "replace")


START, VALUE, ITEM = "start", "value", "item"


def json_events(
    source: SourceFile,
    *,
    items: frozenset[str],
    values: frozenset[str] = frozenset(),
    starts: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, str, Any]]:
    """Stream a JSON document, yielding only what an importer asks for.

    - (ITEM, prefix, object) for each complete value whose ijson prefix is in `items`
      (e.g. "messages.item"): built one at a time, so memory stays flat however many there are;
    - (VALUE, prefix, scalar) for scalars at a prefix in `values` (e.g. "name");
    - (START, prefix, None) when an object at a prefix in `starts` opens (e.g. a new chat in a list).
    """
    with source.open_binary() as raw:
        stream = _JsonBytes(raw)
        try:
            parser = ijson.parse(stream, use_float=True)
            builder: ijson.ObjectBuilder | None = None
            depth = 0
            item_prefix = ""
            for prefix, event, value in parser:
                if builder is not None:
                    builder.event(event, value)
                    if event in ("start_map", "start_array"):
                        depth += 1
                    elif event in ("end_map", "end_array"):
                        depth -= 1
                        if depth == 0:
                            built, builder = builder.value, None
                            yield ITEM, item_prefix, built
                    continue
                if prefix in items:
                    if event in ("start_map", "start_array"):
                        builder = ijson.ObjectBuilder()
                        builder.event(event, value)
                        depth, item_prefix = 1, prefix
                    else:
                        yield ITEM, prefix, value
                elif prefix in starts and event == "start_map":
                    yield START, prefix, None
                elif prefix in values and event not in ("start_map", "start_array", "end_map", "end_array"):
                    yield VALUE, prefix, value
        except ImportFormatError:
            raise
        except ijson.JSONError as exc:
            raise ImportFormatError(
                source.name, stream.error_line(exc), Text("broken JSON ({detail})", detail=_short(exc))
            ) from None
        except UnicodeDecodeError:
            raise ImportFormatError(source.name, None, NOT_UTF8_JSON) from None
        except READ_ERRORS as exc:
            raise ImportFormatError(source.name, None, unreadable(exc)) from None


def json_items(source: SourceFile, prefix: str) -> Iterator[Any]:
    """Each complete value at one ijson prefix, built by the C backend (much faster than `json_events`)."""
    with source.open_binary() as raw:
        stream = _JsonBytes(raw)
        try:
            yield from ijson.items(stream, prefix, use_float=True)
        except ijson.JSONError as exc:
            raise ImportFormatError(
                source.name, stream.error_line(exc), Text("broken JSON ({detail})", detail=_short(exc))
            ) from None
        except UnicodeDecodeError:
            raise ImportFormatError(source.name, None, NOT_UTF8_JSON) from None
        except READ_ERRORS as exc:
            raise ImportFormatError(source.name, None, unreadable(exc)) from None


def json_header(source: SourceFile, keys: frozenset[str], stop: str) -> dict[str, Any] | None:
    """Top-level scalar `keys` read until the value at prefix `stop` opens; None if it never does.

    Only the head of the file is read: the parse stops where the long part begins.
    """
    found: dict[str, Any] = {}
    with source.open_binary() as raw:
        stream = _JsonBytes(raw)
        try:
            for prefix, event, value in ijson.parse(stream, use_float=True):
                if prefix == stop and event in ("start_array", "start_map"):
                    return found
                if prefix in keys and event not in ("start_map", "start_array", "end_map", "end_array"):
                    found[prefix] = value
                elif (
                    "." not in prefix
                    and prefix
                    and prefix not in keys
                    and event in ("start_map", "start_array")
                ):
                    return None  # another top-level container first (a full-account export)
        except ijson.JSONError as exc:
            raise ImportFormatError(
                source.name, stream.error_line(exc), Text("broken JSON ({detail})", detail=_short(exc))
            ) from None
        except UnicodeDecodeError:
            raise ImportFormatError(source.name, None, NOT_UTF8_JSON) from None
        except READ_ERRORS as exc:
            raise ImportFormatError(source.name, None, unreadable(exc)) from None
    return None


def _short(exc: BaseException) -> str:
    # yajl's messages span several lines with a caret drawing; the first line says what is wrong.
    text = _message(exc).strip().split(b"\n")[0].decode("utf-8", "replace").strip()
    return text if len(text) <= 200 else text[:200] + "…"


def local_time(naive: datetime, context: ParseContext) -> datetime:
    """A wall-clock time written by an exporter in the exporting machine's zone, as an aware time."""
    context.read_local = True  # the summary says which zone such a file was read in
    return naive.replace(tzinfo=context.timezone)


def epoch_seconds(value: Any) -> datetime:
    """An epoch value (int, float or numeric string) in seconds, or in milliseconds when it is that large."""
    number = float(value)
    if number > 1e11:  # later than year 5138 in seconds: it can only be milliseconds
        number /= 1000.0
    return datetime.fromtimestamp(number, UTC)


def decode_head(head: bytes, encodings: Iterable[str]) -> str | None:
    """The first bytes of a file as text in the first encoding that fits (a cut last character allowed)."""
    for encoding in encodings:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            return decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
    return None


# What converting one record can raise when a field is missing, of the wrong type or out of range; the
# importers turn these into an ImportFormatError naming the record.
RECORD_ERRORS: tuple[type[BaseException], ...] = (
    KeyError,
    TypeError,
    ValueError,
    OverflowError,
    OSError,
    AttributeError,
    IndexError,
)


def record_problem(exc: BaseException) -> str:
    """What is wrong with a record whose reading raised `exc` (a missing field, a bad value)."""
    if isinstance(exc, KeyError):
        return Text("missing field {field}", field=repr(exc.args[0])) if exc.args else Text("missing field")
    if isinstance(exc, OverflowError | OSError):
        return Text("a time out of range")
    return _short(exc) or type(exc).__name__


def unreadable(exc: BaseException) -> Text:
    """The problem of a file whose bytes could not be read (a disk error, a broken compressed stream)."""
    if isinstance(exc, OSError) and exc.strerror:  # not str(): it repeats the file's name
        return Text("cannot be read ({detail})", detail=exc.strerror.lower())
    return Text("cannot be read ({detail})", detail=str(exc))


def not_valid_text(encoding: str) -> Text:
    return Text("not valid {encoding} text", encoding=encoding)


NOT_UTF8_JSON = Text("not valid UTF-8 JSON")


def not_valid_json(exc: BaseException) -> Text:
    return Text("not valid JSON ({detail})", detail=str(exc))


def not_an_object(count: int) -> Text:
    return Text("message {count} is not an object", count=count)


def bad_message(count: int, message_id: Any, exc: BaseException) -> Text:
    """The `count`th message of a file (with its id where the format has one) failed to read with `exc`."""
    problem = record_problem(exc)
    if message_id is None:
        return Text("message {count}: {problem}", count=count, problem=problem)
    return Text("message {count} (id {id}): {problem}", count=count, id=message_id, problem=problem)


def expected_columns(columns: list[str]) -> Text:
    return Text("expected the columns {columns}", columns=",".join(columns))


def column_count(columns: list[str], row: list[str]) -> Text:
    return Text("expected {expected} columns, got {got}", expected=len(columns), got=len(row))


def bad_value(field: str, value: str) -> Text:
    """A date or time field whose value cannot be read (the value quoted as written)."""
    return Text("bad {field} {value}", field=field, value=repr(value))


def bad_time(exc: BaseException, written: str | None = None) -> Text:
    if written is None:
        return Text("bad date or time ({detail})", detail=str(exc))
    return Text("bad date or time {written} ({detail})", written=repr(written), detail=str(exc))
