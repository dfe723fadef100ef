"""Which files to import and in which format: expands folders and zips, then sniffs each file."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from qunops.core.texts import Text
from qunops.importers.base import Importer, ImportFormatError, SourceFile
from qunops.importers.reading import READ_ERRORS, unreadable
from qunops.importers.registry import IMPORTERS, by_name

_HEAD = 65536


def expand_paths(paths: list[Path]) -> list[SourceFile]:
    """The export files named by `paths`, in order.

    A file is taken as it is (detection reports it if it is no export). A folder is walked recursively in
    sorted order, keeping the files that look like an export: export folders also hold media. A zip gives
    each member that looks like an export (WhatsApp's `_chat.txt`, a JSON export...); a zip with none is an
    error naming the zip.
    """
    found: list[SourceFile] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(
                p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path))
            ):
                if zipfile.is_zipfile(child):
                    found += _zip_members(child, required=False)
                elif _sniffs(SourceFile.from_path(child)):
                    found.append(SourceFile.from_path(child))
        elif path.is_file():
            if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
                found += _zip_members(path, required=True)
            else:
                found.append(SourceFile.from_path(path))
        else:
            raise ImportFormatError(str(path), None, Text("no such file or folder"))
    return found


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
    tried = ", ".join(i.name for i in IMPORTERS)
    raise ImportFormatError(
        source.name, None, Text("not a known export format (tried: {tried})", tried=tried)
    )


def _head(source: SourceFile) -> bytes:
    try:
        return source.head(_HEAD)
    except READ_ERRORS as exc:
        raise ImportFormatError(source.name, None, unreadable(exc)) from None


def _sniffs(source: SourceFile) -> bool:
    head = _head(source)
    return any(importer.sniff(head, source.name) for importer in IMPORTERS)


def _hidden(relative: Path | PurePosixPath) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in relative.parts)


def _zip_members(archive: Path, *, required: bool) -> list[SourceFile]:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = sorted(
                (m for m in zf.infolist() if not m.is_dir() and not _hidden(PurePosixPath(m.filename))),
                key=lambda m: m.filename,
            )
    except READ_ERRORS as exc:
        raise ImportFormatError(
            str(archive), None, Text("not a readable zip ({detail})", detail=str(exc))
        ) from None
    exports = [
        source
        for member in members
        if (source := SourceFile.from_zip_member(archive, member)) is not None and _sniffs(source)
    ]
    if required and not exports:
        raise ImportFormatError(str(archive), None, Text("no chat export inside the zip"))
    return exports
