"""Labelled spam data: the CSV/TSV format operators train on, and readers for the shared raw datasets.

Labelled files have a header with a `label` and a `text` column (any order, any other columns ignored);
the delimiter (comma, tab, semicolon or |) is sniffed from the header; labels are spam/ham/1/0 in any
case. A bad row stops loading with one `DatasetError` naming `file:line: problem`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qunops.moderation.classifier import override_key

__all__ = [
    "Dataset",
    "DatasetError",
    "Example",
    "deduplicate",
    "load_addetector",
    "load_labelled",
    "load_lines",
    "load_sms_collection",
    "load_tg_spam",
    "parse_label",
]

_SPAM = {"spam", "1", "true", "yes", "ad", "ads"}
_HAM = {"ham", "0", "false", "no", "normal"}


class DatasetError(ValueError):
    """A malformed dataset file; the message is `file:line: problem`."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    is_spam: bool
    source: str = ""  # file:line, for error messages and audits


@dataclass(slots=True)
class Dataset:
    examples: list[Example] = field(default_factory=list)
    duplicates_dropped: int = 0
    conflicts_dropped: int = 0  # texts labelled both spam and ham after normalisation

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def labels(self) -> list[int]:
        return [int(e.is_spam) for e in self.examples]

    @property
    def spam(self) -> int:
        return sum(e.is_spam for e in self.examples)

    @property
    def ham(self) -> int:
        return len(self.examples) - self.spam

    def __len__(self) -> int:
        return len(self.examples)


def parse_label(value: str) -> bool | None:
    """True for spam, False for ham, None when the value is neither."""
    v = value.strip().lower()
    if v in _SPAM:
        return True
    if v in _HAM:
        return False
    return None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{path}:{line}: not UTF-8 text") from None


def _lines(content: str) -> list[str]:
    # Not str.splitlines(): it also breaks at U+2028, U+0085 and form feeds, which occur inside messages.
    return [line.removesuffix("\r") for line in content.split("\n")]


def load_labelled(path: str | Path) -> list[Example]:
    """Read a labelled CSV/TSV file (see module doc)."""
    p = Path(path)
    content = _read_text(p)
    if not content.strip():
        raise DatasetError(f"{p}:1: empty file (expected a header with label and text columns)")
    header_line = content.splitlines()[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(header_line, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if "\t" in header_line else csv.excel
    reader = csv.reader(io.StringIO(content, newline=""), dialect)
    header = [h.strip().lower() for h in next(reader)]
    if "label" not in header or "text" not in header:
        raise DatasetError(
            f"{p}:1: header must name a 'label' and a 'text' column (found: {', '.join(header) or 'nothing'})"
        )
    li, ti = header.index("label"), header.index("text")
    out: list[Example] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            # More cells than the header names usually means an unquoted delimiter inside the text.
            if len(row) != len(header):
                raise DatasetError(f"{p}:{line}: expected {len(header)} columns, found {len(row)}")
            label = parse_label(row[li])
            if label is None:
                raise DatasetError(f"{p}:{line}: label {row[li].strip()!r} is not spam/ham/1/0")
            text = row[ti].strip()
            if not text:
                raise DatasetError(f"{p}:{line}: empty text")
            out.append(Example(text, label, f"{p}:{line}"))
    except csv.Error as exc:
        raise DatasetError(f"{p}:{reader.line_num}: {exc}") from None
    if not out:
        raise DatasetError(f"{p}:2: no examples after the header")
    return out


def load_lines(path: str | Path, is_spam: bool) -> list[Example]:
    """One message per line, all with the same label (tg-spam samples, addetector4j ads/chatting)."""
    p = Path(path)
    out = []
    for n, line in enumerate(_lines(_read_text(p)), start=1):
        if line.strip():
            out.append(Example(line.strip(), is_spam, f"{p}:{n}"))
    return out


def load_sms_collection(path: str | Path) -> list[Example]:
    """UCI SMS Spam Collection: `label<TAB>text`, with or without the `Label<TAB>SMS` header."""
    p = Path(path)
    out = []
    for n, line in enumerate(_lines(_read_text(p)), start=1):
        if not line.strip():
            continue
        label_text, sep, text = line.partition("\t")
        if n == 1 and label_text.strip().lower() == "label":
            continue
        label = parse_label(label_text)
        if not sep or label is None:
            raise DatasetError(f"{p}:{n}: expected 'ham' or 'spam', a tab, then the message")
        out.append(Example(text.strip(), label, f"{p}:{n}"))
    return out


def load_tg_spam(folder: str | Path) -> list[Example]:
    """umputun/tg-spam samples: spam-samples.txt and spam.txt (spam), ham-samples.txt (ham)."""
    d = Path(folder)
    return [
        *load_lines(d / "spam-samples.txt", True),
        *load_lines(d / "spam.txt", True),
        *load_lines(d / "ham-samples.txt", False),
    ]


def load_addetector(path: str | Path) -> list[Example]:
    """ADDetector4J train.txt: `text==label` per line, 1 = advertisement, 0 = normal."""
    p = Path(path)
    out = []
    for n, line in enumerate(_lines(_read_text(p)), start=1):
        if not line.strip():
            continue
        text, sep, label_text = line.rpartition("==")
        label = parse_label(label_text) if sep else None
        if label is None:
            raise DatasetError(f"{p}:{n}: expected 'text==0' or 'text==1'")
        if text.strip():  # the source has a few lines with an empty message ("==0"): nothing to learn
            out.append(Example(text.strip(), label, f"{p}:{n}"))
    return out


def deduplicate(examples: Iterable[Example]) -> Dataset:
    """Drop exact duplicates after normalisation; drop texts labelled both ways (they teach nothing)."""
    first: dict[str, Example] = {}
    labels: dict[str, set[bool]] = {}
    total = 0
    for e in examples:
        total += 1
        key = override_key(e.text)
        labels.setdefault(key, set()).add(e.is_spam)
        first.setdefault(key, e)
    kept = [e for key, e in first.items() if len(labels[key]) == 1]
    conflicts = len(first) - len(kept)
    return Dataset(kept, duplicates_dropped=total - len(first), conflicts_dropped=conflicts)


def load_many(paths: Sequence[str | Path]) -> list[Example]:
    """Labelled CSV/TSV files, concatenated."""
    out: list[Example] = []
    for path in paths:
        out.extend(load_labelled(path))
    return out
