"""Which files a path means (files, folders, zips) and which format each file is in."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qunops.importers.base import Importer, ImportFormatError, SourceFile
from qunops.importers.registry import IMPORTERS, by_name


def expand_paths(paths: list[Path]) -> list[SourceFile]:
    """Every input file the paths name: files as they are, folders recursively, zips by their members."""
    found: list[SourceFile] = []
    for path in paths:
        if not path.exists():
            raise ImportFormatError(str(path), None, "no such file or folder")
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                found.extend(_file_sources(child))
        else:
            found.extend(_file_sources(path))
    return found


def _file_sources(path: Path) -> list[SourceFile]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and _looks_like_export(m.filename)]
        if not members:
            raise ImportFormatError(str(path), None, "this zip holds no chat export")
        return [SourceFile.from_zip_member(path, m) for m in members]
    return [SourceFile.from_path(path)]


def _looks_like_export(name: str) -> bool:
    return name.lower().endswith((".txt", ".json", ".jsonl", ".csv"))


def detect(source: SourceFile, forced: str | None = None) -> Importer:
    """The importer for a file: the one named by `forced`, or the first whose sniffer accepts it."""
    if forced:
        importer = by_name(forced)
        if importer is None:
            names = ", ".join(i.name for i in IMPORTERS)
            raise ImportFormatError(source.name, None, f"unknown format {forced!r} (known: {names})")
        return importer
    try:
        head = source.head()
    except OSError as exc:
        raise ImportFormatError(source.name, None, f"cannot read: {exc.strerror or exc}") from None
    filename = source.name.rsplit("!", 1)[-1]
    for importer in IMPORTERS:
        if importer.sniff(head, filename):
            return importer
    tried = ", ".join(i.name for i in IMPORTERS)
    raise ImportFormatError(source.name, None, f"not a known export format (tried: {tried})")
