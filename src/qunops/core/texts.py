"""Sentences the analytics write for people (alert messages, stage reasons, recommendations), kept
translatable.

A `Text` is the English sentence itself, so the JSON API, the CLI, logs and comparisons see plain English,
and it remembers the template and values it was formatted from, so the console can format the same values
into another language's template. Values that are texts or enum members (stages, roles, group types) are
translated with it; names and numbers stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, Self


class Text(str):
    """`Text("{n} members left", n=3)` is the str "3 members left" with its template and values."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Self:
        text = super().__new__(cls, template.format(**values))
        text.template = template
        text.values = values
        return text

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        # Copies and pickles rebuild from the template, not from the formatted English.
        return (self.template,), self.values

    def as_json(self) -> dict[str, Any]:
        """Template and values, for storing beside the English (values: numbers, strings, texts, or labels
        such as enum members, stored as `{"term": value}` so that they read back as labels)."""
        return {"template": self.template, "values": {k: _stored(v) for k, v in self.values.items()}}

    @classmethod
    def from_json(cls, data: Any) -> Text | None:
        """The text `as_json` stored; None for anything else (a row of an older version, damage)."""
        try:
            values = {k: _read_back(v) for k, v in dict(data["values"]).items()}
            if any(v is None for v in values.values()):
                return None
            return cls(str(data["template"]), **values)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None

    def translated(self, catalogue: Mapping[str, str]) -> str:
        """The text with the catalogue's template for it and its values translated the same way; the
        English when the catalogue has no template for it (a half translated sentence reads worse)."""
        template = catalogue.get(self.template)
        if template is None:
            return str(self)
        return template.format(**{k: _translated(v, catalogue) for k, v in self.values.items()})


def listing(items: Sequence[Any]) -> Any:
    """Items as one value of a text, "a, b, c" in English; one item stays itself (an enum member is then
    still translated as a label)."""
    if len(items) == 1:
        return items[0]
    return Text("{first}, {rest}", first=items[0], rest=listing(items[1:]))


def recognised(stored: str, candidates: Iterable[Text]) -> str:
    """A sentence read back from the store as the `Text` it was written as: the candidate (rebuilt from
    the fields stored beside it, or one of a fixed set) whose English is exactly `stored`; else `stored`
    itself, shown as written (data, or English from an older version)."""
    for candidate in candidates:
        if candidate == stored:
            return candidate
    return stored


class Term(str):
    """A label a stored text named (an enum member's value, read back): translated as a label is."""


def _stored(value: Any) -> Any:
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, StrEnum | Term):
        return {"term": str(value)}
    return value


def _read_back(value: Any) -> Any:
    if isinstance(value, dict):
        return Term(str(value["term"])) if set(value) == {"term"} else Text.from_json(value)
    return value


def _translated(value: Any, catalogue: Mapping[str, str]) -> Any:
    if isinstance(value, Text):
        return value.translated(catalogue)
    if isinstance(value, StrEnum | Term):
        return catalogue.get(str(value), str(value))
    return value
