"""The known export formats, in the order format detection tries them (most specific first)."""

from __future__ import annotations

from qunops.importers.base import Importer
from qunops.importers.jsonl import QunopsJsonl

IMPORTERS: list[Importer] = [
    QunopsJsonl(),
]


def by_name(name: str) -> Importer | None:
    return next((importer for importer in IMPORTERS if importer.name == name), None)
