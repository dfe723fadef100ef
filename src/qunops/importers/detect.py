"""Which files to import and in which format: expands folders and zips, then sniffs each file."""

from __future__ import annotations

import codecs
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


@dataclass(slots=True)
class Found:
    """What one path named by the user holds: the exports to import in order, the files beside them
    that are no export (with why), how many media files were passed over, and the files that could not
    be looked at (errors: the run fails)."""

    exports: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[str, Text]] = field(default_factory=list)
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
    if path.is_dir():
        children = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path)))
        for child in children:
            _look_at(child, found)
        if not found.exports and not found.failed:
            found.failed.append(
                ImportFormatError(str(path), None, NO_EXPORT_IN_FOLDER if children else EMPTY_FOLDER)
            )
    elif path.is_file():
        if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
            _zip_members(path, found, required=True)
        else:
            found.exports.append(SourceFile.from_path(path))
    else:
        found.failed.append(ImportFormatError(str(path), None, NO_SUCH_PATH))
    return found


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


def _not_an_export(head: bytes) -> Text:
    """Why a file no sniffer accepts is not imported, from its first bytes."""
    if not head:
        return EMPTY_FILE
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Only the text importers' encodings (UTF-8, GB18030) are read; UTF-16 exports are rare enough
        # that saying how to convert them beats a second decoding path in every text importer.
        return UTF16
    tried = ", ".join(i.name for i in IMPORTERS)
    return Text("not a known export format (tried: {tried})", tried=tried)


def _head(source: SourceFile) -> bytes:
    try:
        return source.head(_HEAD)
    except READ_ERRORS as exc:
        raise ImportFormatError(source.name, None, unreadable(exc)) from None


def _why_not(source: SourceFile) -> Text | None:
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
    if zipfile.is_zipfile(child):
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
        source = SourceFile.from_zip_member(archive, member)
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
