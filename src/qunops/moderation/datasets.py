"""Labelled spam data: the files operators train on, and readers for the shared raw datasets.

`read_labelled` reads the layouts operators actually have, told apart from the file's first lines:

- CSV/TSV with a header naming a label column (label, class, category, v1, …) and a text column (text,
  sms, message, content, v2, …), in any order and case, other columns ignored; the delimiter (tab, comma,
  semicolon or |) is taken from the header;
- headerless two-column rows, label first or text first (decided by which column holds labels);
- `text==label` lines (ADDetector4J).

Tab-separated files are read line by line without CSV quoting (the SMS Spam Collection's messages begin
with quotes that are part of the text); the other delimiters follow CSV quoting. Labels are spam/ham,
1/0, true/false, yes/no, ad/normal and 垃圾/广告/正常, in any case. Blank rows and rows with an empty text
are skipped and counted; anything else not understood stops loading with one `DatasetError` naming
`file:line: problem` and what was expected.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qunops.moderation.classifier import override_key

__all__ = [
    "Dataset",
    "DatasetError",
    "Example",
    "Labelled",
    "deduplicate",
    "load_addetector",
    "load_files",
    "load_labelled",
    "load_lines",
    "load_many",
    "load_sms_collection",
    "load_tg_spam",
    "parse_label",
    "read_labelled",
]

_SPAM = {"spam", "1", "true", "yes", "ad", "ads", "垃圾", "广告", "垃圾信息", "垃圾短信"}
_HAM = {"ham", "0", "false", "no", "normal", "正常", "非垃圾"}
LABEL_COLUMNS = ("label", "labels", "class", "category", "v1", "is_spam", "target", "标签", "类别")
TEXT_COLUMNS = ("text", "sms", "message", "messages", "content", "v2", "msg", "文本", "内容", "消息")
LABELS_EXPECTED = "spam/ham/1/0"
_EQUALS_LINE = re.compile(r"^(.*)==\s*([^\s=]+)\s*$", re.DOTALL)
_SAMPLE = 20  # lines looked at to tell the layout


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


@dataclass(slots=True)
class Labelled:
    """What one file gave: its examples, and the lines of the empty rows that were skipped."""

    examples: list[Example] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def read_labelled(path: str | Path) -> Labelled:
    """Read a labelled file in any of the layouts of the module doc."""
    p = Path(path)
    content = _read_text(p)
    lines = _lines(content)
    sample = [line for line in lines if line.strip()][:_SAMPLE]
    if not sample:
        raise DatasetError(f"{p}:1: empty file (expected labelled rows: {_LAYOUTS})")
    if _is_equals_line(sample[0]) and 2 * sum(map(_is_equals_line, sample)) > len(sample):
        out = _read_equals(p, lines)
    else:
        out = _read_table(p, content, lines, sample)
    if not out.examples:
        rows = "row" if len(out.skipped) == 1 else "rows"
        skipped = f" ({len(out.skipped)} empty {rows} skipped)" if out.skipped else ""
        raise DatasetError(f"{p}:{len(lines)}: no examples{skipped}")
    return out


def _is_equals_line(line: str) -> bool:
    match = _EQUALS_LINE.match(line)
    return match is not None and parse_label(match.group(2)) is not None


_LAYOUTS = (
    "a header naming label and text columns, 'label,text' or 'text,label' rows (comma, tab, ; or |), "
    "or 'text==label' lines"
)


def load_labelled(path: str | Path) -> list[Example]:
    """The examples of a labelled file (`read_labelled`), skipped empty rows left out."""
    return read_labelled(path).examples


def _read_equals(p: Path, lines: list[str]) -> Labelled:
    out = Labelled()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            if n < len(lines):  # not the end of the last line
                out.skipped.append(n)
            continue
        text, sep, label_text = line.rpartition("==")
        label = parse_label(label_text) if sep else None
        if label is None:
            found = f"label {label_text.strip()!r}" if sep else "no '=='"
            raise DatasetError(
                f"{p}:{n}: expected 'text==label' with a label {LABELS_EXPECTED} (found {found})"
            )
        if text.strip():
            out.examples.append(Example(text.strip(), label, f"{p}:{n}"))
        else:
            out.skipped.append(n)
    return out


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader([line], delimiter=delimiter), [])


def _header_columns(cells: Sequence[str]) -> tuple[int | None, int | None]:
    names = [c.strip().lower() for c in cells]
    label = next((names.index(n) for n in LABEL_COLUMNS if n in names), None)
    text = next((names.index(n) for n in TEXT_COLUMNS if n in names), None)
    return label, text


def _delimiter(first: str, sample: list[str]) -> str:
    if "\t" in first:
        return "\t"
    for d in ",;|":
        if d in first and all(i is not None for i in _header_columns(_split(first, d))):
            return d
    for d in ",;|":
        rows = [_split(line, d) for line in sample]
        if all(len(r) >= 2 for r in rows) and any(
            parse_label(r[0]) is not None or parse_label(r[-1]) is not None for r in rows
        ):
            return d
    return next((d for d in ",;|" if d in first), ",")


def _rows(content: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) per row; blank rows give no cells."""
    if delimiter == "\t":
        lines = _lines(content)
        for n, line in enumerate(lines, start=1):
            if n == len(lines) and not line:
                break
            yield n, line.split("\t") if line.strip() else []
        return
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def _read_table(p: Path, content: str, lines: list[str], sample: list[str]) -> Labelled:
    first_n = next(n for n, line in enumerate(lines, start=1) if line.strip())
    delimiter = _delimiter(sample[0], sample)
    first = _split(sample[0], delimiter)
    label_i, text_i = _header_columns(first)
    header = label_i is not None and text_i is not None
    width = len(first)
    if not header:
        if any(parse_label(c) is not None for c in first) and len(first) >= 2:
            # Headerless: the column that holds labels in more of the first rows is the label column.
            rows = [r for r in (_split(line, delimiter) for line in sample) if len(r) == 2]
            label_first = sum(parse_label(r[0]) is not None for r in rows)
            label_last = sum(parse_label(r[1]) is not None for r in rows)
            label_i, text_i = (0, 1) if label_first >= label_last else (1, 0)
            width = 2
        else:
            shown = ", ".join(c.strip() for c in first) or "nothing"
            raise DatasetError(
                f"{p}:{first_n}: header must name a label column ({', '.join(LABEL_COLUMNS[:4])}) and a "
                f"text column ({', '.join(TEXT_COLUMNS[:5])}) (found: {shown[:200]}); without a header, "
                f"expected 'label,text' or 'text,label' rows (comma, tab, ; or |) or 'text==label' lines"
            )
    assert label_i is not None and text_i is not None
    out = Labelled()
    n = first_n
    try:
        for n, row in _rows(content, delimiter):
            if header and n <= first_n:
                continue
            if not row or all(not cell.strip() for cell in row):
                out.skipped.append(n)
                continue
            while len(row) > width and not row[-1].strip():
                row.pop()  # trailing empty cells (spreadsheet exports)
            # More cells than the header names usually means an unquoted delimiter inside the text.
            if len(row) != width:
                name = "tab" if delimiter == "\t" else repr(delimiter)
                hint = (
                    f" (quote a text that contains {name})" if len(row) > width and delimiter != "\t" else ""
                )
                raise DatasetError(f"{p}:{n}: expected {width} columns, found {len(row)}{hint}")
            label = parse_label(row[label_i])
            text = row[text_i].strip()
            if label is None:
                if not text and not row[label_i].strip():
                    out.skipped.append(n)
                    continue
                raise DatasetError(f"{p}:{n}: label {row[label_i].strip()!r} is not {LABELS_EXPECTED}")
            if not text:
                out.skipped.append(n)
                continue
            out.examples.append(Example(text, label, f"{p}:{n}"))
    except csv.Error as exc:
        raise DatasetError(f"{p}:{n}: {exc}") from None
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


def load_files(paths: Sequence[str | Path]) -> list[tuple[Path, Labelled]]:
    """Each labelled file read (`read_labelled`), in order."""
    return [(Path(path), read_labelled(path)) for path in paths]


def load_many(paths: Sequence[str | Path]) -> list[Example]:
    """Labelled files, concatenated."""
    return [e for _, found in load_files(paths) for e in found.examples]
