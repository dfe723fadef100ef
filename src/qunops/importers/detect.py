"""Which files to import and in which format: expands folders and zips, then sniffs each file."""

from __future__ import annotations

import codecs
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qunops.core.texts import Text
from qunops.importers.base import Importer, ImportFormatError, SourceFile
from qunops.importers.reading import READ_ERRORS, unreadable
from qunops.importers.registry import IMPORTERS, by_name

_HEAD = 65536

# What exports carry beside the chat (WhatsApp's "with media" zips and folders, Telegram's photos/,
# files/, stickers/...): never an export, so counted without being read, not listed one by one.
_PICTURES = ("jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "bmp", "tif", "tiff", "svg", "ico")
_VIDEOS = ("mp4", "m4v", "mov", "3gp", "avi", "mkv", "webm")
_AUDIO = ("opus", "ogg", "oga", "m4a", "mp3", "aac", "amr", "wav", "flac", "silk")
_OTHERS = ("tgs", "vcf", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx")  # stickers, contacts, documents
MEDIA_SUFFIXES = frozenset("." + suffix for suffix in (*_PICTURES, *_VIDEOS, *_AUDIO, *_OTHERS))

EMPTY_FILE = Text("empty file")
UTF16 = Text("not UTF-8 text (looks like UTF-16): re-export or convert to UTF-8")
NO_EXPORT_IN_ZIP = Text("no chat export inside the zip")
NO_EXPORT_IN_FOLDER = Text("no chat export in the folder")
EMPTY_FOLDER = Text("the folder is empty")
NO_SUCH_PATH = Text("no such file or folder")
NOT_A_FILE = Text("not a file or folder (a device, pipe or socket): name the export file itself")
ZIP_IN_ZIP = Text("a zip inside a zip is not read: unpack the outer zip and import what it holds")
SQLITE_DATABASE = Text("a SQLite database, not a chat export")
UTF16_NO_BOM = Text(
    "not UTF-8 text (looks like UTF-16 without a byte order mark): re-export or convert to UTF-8"
)

# A member of a zip that expands more than this many times over, to more than ZIP_BOMB_SIZE, is refused
# unread: chat exports compress 5 to 20 times; a member this much bigger than its bytes in the zip is
# almost certainly made to exhaust memory or disk (a "zip bomb").
ZIP_BOMB_RATIO = 200
ZIP_BOMB_SIZE = 64 << 20


@dataclass(slots=True)
class Found:
    """What one path named by the user holds: the exports to import in order, the files beside them
    that are no export (with why), how many media files were passed over, and the files that could not
    be looked at (errors: the run fails)."""

    exports: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why: a Text where it can be)
    media: int = 0
    failed: list[ImportFormatError] = field(default_factory=list)


def find_exports(path: Path) -> Found:
    """The exports `path` names, and what else it holds.

    A file is taken as it is (detection reports it if it is no export). A folder is walked recursively in
    sorted order (hidden files and `__MACOSX` left out): its exports are kept, media files counted, and
    every other file is skipped with its reason; a folder without any export is an error naming it. A zip
    gives each member that is an export (WhatsApp's `_chat.txt`, a JSON export...), the others counted or
    skipped the same way; a zip with no export is an error naming it, or, inside a folder, one skipped
    file. A file that cannot be read at all is an error naming it.
    """
    found = Found()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        found.failed.append(ImportFormatError(str(path), None, NO_SUCH_PATH))
        return found
    except OSError as exc:  # a folder on the way that may not be entered, a name too long...
        found.failed.append(ImportFormatError(str(path), None, unreadable(exc)))
        return found
    if stat.S_ISDIR(mode):
        children = _walk(path, found)
        for child in children:
            _look_at(child, found)
        if not found.exports and not found.failed:
            found.failed.append(
                ImportFormatError(str(path), None, NO_EXPORT_IN_FOLDER if children else EMPTY_FOLDER)
            )
    elif stat.S_ISREG(mode):
        if path.suffix.lower() == ".zip" or _is_zip(path):
            _zip_members(path, found, required=True)
        else:
            found.exports.append(SourceFile.from_path(path))
    else:
        found.failed.append(ImportFormatError(str(path), None, NOT_A_FILE))
    return found


def _walk(folder: Path, found: Found) -> list[Path]:
    """The regular files under `folder`, sorted, hidden ones left out. A folder inside that cannot be
    listed is an error naming it (its exports would be missed without a word); devices, pipes and
    sockets are skipped, never opened (reading one may never end)."""
    files: list[Path] = []

    def failed(exc: OSError) -> None:
        name = exc.filename if exc.filename is not None else folder
        found.failed.append(ImportFormatError(str(name), None, unreadable(exc)))

    seen: set[tuple[int, int]] = set()  # folders walked: a link back up the tree is walked once

    def new(path: Path) -> bool:
        try:
            info = path.stat()
        except OSError:
            return True  # listing it fails, and says so
        key = (info.st_dev, info.st_ino)
        if key in seen:
            return False
        seen.add(key)
        return True

    new(folder)
    for top, folders, names in os.walk(folder, onerror=failed, followlinks=True):
        here = Path(top)
        folders[:] = [f for f in folders if not _hidden(PurePosixPath(f)) and new(here / f)]
        for name in names:
            child = here / name
            if _hidden(child.relative_to(folder)):
                continue
            try:
                mode = child.stat().st_mode
            except FileNotFoundError:
                continue  # gone since the folder was listed (a broken link)
            except OSError as exc:
                failed(exc)
                continue
            if stat.S_ISREG(mode):
                files.append(child)
            elif not stat.S_ISDIR(mode):
                found.skipped.append((str(child), NOT_A_FILE))
    return sorted(files)


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False  # reading it fails again, and says why


def expand_paths(paths: list[Path]) -> list[SourceFile]:
    """The export files named by `paths`, in order (see `find_exports`); the first error is raised."""
    sources: list[SourceFile] = []
    for path in paths:
        found = find_exports(path)
        if found.failed:
            raise found.failed[0]
        sources += found.exports
    return sources


def detect(source: SourceFile, forced: str | None = None) -> Importer:
    """The importer for `source`: the one named by `forced`, or the first whose sniffer accepts the file."""
    if forced:
        importer = by_name(forced)
        if importer is None:
            known = ", ".join(i.name for i in IMPORTERS)
            raise ImportFormatError(
                source.name,
                None,
                Text("unknown format {format} (known: {known})", format=repr(forced), known=known),
            )
        return importer
    head = _head(source)
    for importer in IMPORTERS:
        if importer.sniff(head, source.name):
            return importer
    raise ImportFormatError(source.name, None, _not_an_export(head))


def _not_an_export(head: bytes) -> str:
    """Why a file no sniffer accepts is not imported, from its first bytes."""
    if not head:
        return EMPTY_FILE
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Only the text importers' encodings (UTF-8, GB18030) are read; UTF-16 exports are rare enough
        # that saying how to convert them beats a second decoding path in every text importer.
        return UTF16
    if head.startswith(b"SQLite format 3\x00"):
        return SQLITE_DATABASE
    if _looks_utf16(head):
        return UTF16_NO_BOM
    tried = ", ".join(i.name for i in IMPORTERS)
    return Text("not a known export format (tried: {tried})", tried=tried)


def _zip_bomb(member: zipfile.ZipInfo) -> Text:
    times = member.file_size // max(member.compress_size, 1)
    size = member.file_size >> 20
    return Text(
        "expands {times} times over, to {size} MB: refused (no chat export compresses this much)",
        times=times,
        size=size,
    )


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte order mark: text of mostly ASCII characters has a zero byte in every other
    place, at even places (big-endian) or odd ones (little-endian)."""
    sample = head[:4096]
    if len(sample) < 8:
        return False
    half = len(sample) // 2
    for zeros, others in ((sample[0::2], sample[1::2]), (sample[1::2], sample[0::2])):
        # Beside each zero, a character of text (a binary file, a database, has zeros on both sides).
        beside = [other for zero, other in zip(zeros, others, strict=False) if zero == 0]
        if len(beside) > 0.7 * half and sum(_TEXT_BYTE[b] for b in beside) > 0.9 * len(beside):
            return True
    return False


_TEXT_BYTE = [b in (9, 10, 13) or 32 <= b < 127 for b in range(256)]


def _head(source: SourceFile) -> bytes:
    try:
        return source.head(_HEAD)
    except READ_ERRORS as exc:
        raise ImportFormatError(source.name, None, unreadable(exc)) from None


def _why_not(source: SourceFile) -> str | None:
    """None when `source` is an export; else why it is not. Raises ImportFormatError when it cannot be
    read."""
    head = _head(source)
    if any(importer.sniff(head, source.name) for importer in IMPORTERS):
        return None
    return _not_an_export(head)


def _media(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in MEDIA_SUFFIXES


def _hidden(relative: Path | PurePosixPath) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.parts)


def _look_at(child: Path, found: Found) -> None:
    """One file of a folder: an export, a zip, media, or a file skipped with its reason."""
    if _media(child.name):
        found.media += 1
        return
    if _is_zip(child):
        _zip_members(child, found, required=False)
        return
    try:
        source = SourceFile.from_path(child)
        why = _why_not(source)
    except ImportFormatError as exc:
        found.failed.append(exc)
        return
    except OSError as exc:  # gone or unreadable since the folder was listed
        found.failed.append(ImportFormatError(str(child), None, unreadable(exc)))
        return
    if why is None:
        found.exports.append(source)
    else:
        found.skipped.append((source.name, why))


def _zip_members(archive: Path, found: Found, *, required: bool) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = sorted(
                (m for m in zf.infolist() if not m.is_dir() and not _hidden(PurePosixPath(m.filename))),
                key=lambda m: m.filename,
            )
    except READ_ERRORS as exc:
        found.failed.append(
            ImportFormatError(str(archive), None, Text("not a readable zip ({detail})", detail=str(exc)))
        )
        return
    inside = Found()
    for member in members:
        if _media(member.filename):
            inside.media += 1
            continue
        if PurePosixPath(member.filename).suffix.lower() == ".zip":
            inside.skipped.append((f"{archive}!{member.filename}", ZIP_IN_ZIP))
            continue
        source = SourceFile.from_zip_member(archive, member)
        if member.file_size > ZIP_BOMB_SIZE and member.file_size > ZIP_BOMB_RATIO * member.compress_size:
            inside.failed.append(ImportFormatError(source.name, None, _zip_bomb(member)))
            continue
        try:
            why = _why_not(source)
        except ImportFormatError as exc:
            inside.failed.append(exc)
            continue
        if why is None:
            inside.exports.append(source)
        else:
            inside.skipped.append((source.name, why))
    if inside.exports or inside.failed:
        found.exports += inside.exports
        found.skipped += inside.skipped
        found.media += inside.media
        found.failed += inside.failed
    elif required:
        found.failed.append(ImportFormatError(str(archive), None, NO_EXPORT_IN_ZIP))
    else:
        found.skipped.append((str(archive), NO_EXPORT_IN_ZIP))
