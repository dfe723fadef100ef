"""Streaming readers shared by the importers: decoded text lines, CSV rows and JSON records, with every
low-level failure (bad encoding, broken zip member, truncated JSON) turned into an ImportFormatError."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

import ijson

from qunops.importers.base import ImportFormatError, ParseContext, SourceFile

# Errors a stream can raise while being read: a corrupt zip member (bad CRC, bad deflate data, cut short)
# or an unreadable file. They all mean "this file cannot be imported".
READ_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, EOFError, OSError)

UTF8_BOM = codecs.BOM_UTF8


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
                line = stream.readline()
            except UnicodeDecodeError:
                raise ImportFormatError(source.name, number + 1, f"not valid {encoding} text") from None
            except READ_ERRORS as exc:
                raise ImportFormatError(source.name, number + 1, f"cannot be read ({exc})") from None
            if not line:
                return
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
                raise ImportFormatError(source.name, start, f"not valid {encoding} text") from None
            except csv.Error as exc:
                raise ImportFormatError(source.name, start, f"broken CSV ({exc})") from None
            except READ_ERRORS as exc:
                raise ImportFormatError(source.name, start, f"cannot be read ({exc})") from None
            yield start, row


class _SkipBom(io.RawIOBase):
    """A byte stream with a leading UTF-8 BOM removed (the JSON parser rejects it)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        head = raw.read(3)
        self._pending = head[3:] if head.startswith(UTF8_BOM) else head

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._pending:
            data = self._pending if size < 0 else self._pending[:size]
            self._pending = self._pending[len(data) :]
            return data
        return self._raw.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


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
        try:
            parser = ijson.parse(_SkipBom(raw), use_float=True)
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
            raise ImportFormatError(source.name, None, f"broken JSON ({_short(exc)})") from None
        except UnicodeDecodeError:
            raise ImportFormatError(source.name, None, "not valid UTF-8 JSON") from None
        except READ_ERRORS as exc:
            raise ImportFormatError(source.name, None, f"cannot be read ({exc})") from None


def json_items(source: SourceFile, prefix: str) -> Iterator[Any]:
    """Each complete value at one ijson prefix, built by the C backend (much faster than `json_events`)."""
    with source.open_binary() as raw:
        try:
            yield from ijson.items(_SkipBom(raw), prefix, use_float=True)
        except ijson.JSONError as exc:
            raise ImportFormatError(source.name, None, f"broken JSON ({_short(exc)})") from None
        except UnicodeDecodeError:
            raise ImportFormatError(source.name, None, "not valid UTF-8 JSON") from None
        except READ_ERRORS as exc:
            raise ImportFormatError(source.name, None, f"cannot be read ({exc})") from None


def json_header(source: SourceFile, keys: frozenset[str], stop: str) -> dict[str, Any] | None:
    """Top-level scalar `keys` read until the value at prefix `stop` opens; None if it never does.

    Only the head of the file is read: the parse stops where the long part begins.
    """
    found: dict[str, Any] = {}
    with source.open_binary() as raw:
        try:
            for prefix, event, value in ijson.parse(_SkipBom(raw), use_float=True):
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
            raise ImportFormatError(source.name, None, f"broken JSON ({_short(exc)})") from None
        except UnicodeDecodeError:
            raise ImportFormatError(source.name, None, "not valid UTF-8 JSON") from None
        except READ_ERRORS as exc:
            raise ImportFormatError(source.name, None, f"cannot be read ({exc})") from None
    return None


def _short(exc: BaseException) -> str:
    # yajl's messages span several lines with a caret drawing; the first line says what is wrong.
    text = " ".join(str(exc).strip().splitlines()[:1]).strip()
    return text if len(text) <= 200 else text[:200] + "…"


def local_time(naive: datetime, context: ParseContext) -> datetime:
    """A wall-clock time written by an exporter in the exporting machine's zone, as an aware time."""
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
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}" if exc.args else "missing field"
    if isinstance(exc, OverflowError | OSError):
        return "a time out of range"
    return _short(exc) or type(exc).__name__
