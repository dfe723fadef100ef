"""Events reduced to plain values: the form the store's writer works on, made without a database.

Everything about an event that needs no database (its key, its time in microseconds, its people's
identities, its payload as JSON) is done here, so that a parse process can do it and send the result
cheaply; the writer then only resolves ids and inserts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson

from qunops.core.events import ContentType, Event, EventKind, GroupRef, MemberRef
from qunops.core.keys import KeyMaker
from qunops.core.platforms import Platform
from qunops.core.time import to_us

# Plain strings of the enums: reading `.value` of an enum member is slow on the hot path.
_VALUES: dict[Any, str] = {m: m.value for e in (EventKind, ContentType, Platform) for m in e}

# An event reduced to plain values, the form the writer works on (and the one a parse process can send
# cheaply): everything that needs no database is done when it is prepared.
GroupKey = tuple[str, str, str]  # (platform, external id, name)
Person = tuple[str, str, bool]  # (identity key, display name, is bot)
Prepared = tuple[
    GroupKey,  # 0 group: one tuple object per group of a stream
    bytes,  # 1 stable key
    int,  # 2 time, epoch microseconds
    str,  # 3 kind
    Person | None,  # 4 member
    Person | None,  # 5 actor
    str | None,  # 6 content type
    str,  # 7 text
    bytes | None,  # 8 key of the message replied to
    str | dict[str, Any] | None,  # 9 payload as JSON; the dict while mention ids are still to be added
    tuple[Person, ...],  # 10 mentions
    str | None,  # 11 platform message id: groups of key scheme 1 are keyed from it again
    str | None,  # 12 message id of the message replied to
]


class Preparer:
    """Turns events into `Prepared` tuples: their keys, times, identities and JSON payloads.

    Parsers reuse one GroupRef per chat, one datetime per stamp and one MemberRef per sender, so what is
    derived from them is remembered by identity (the last one, or a few thousand).
    """

    def __init__(self, keys: KeyMaker | None = None) -> None:
        self._keys = keys or KeyMaker()
        self._groups: dict[int, tuple[GroupRef, GroupKey]] = {}
        self._people: dict[int, tuple[MemberRef, Person]] = {}
        self._ts: datetime | None = None
        self._ts_us = 0

    def prepare(self, event: Event) -> Prepared:
        group = event.group
        hit = self._groups.get(id(group))
        if hit is None or hit[0] is not group:
            hit = (group, (_VALUES[group.platform], storable(group.external_id), storable(group.name)))
            self._groups[id(group)] = hit
        ts = event.ts
        if ts is not self._ts:
            self._ts, self._ts_us = ts, to_us(ts)
        person = self._person
        member = person(event.member) if event.member is not None else None
        actor = person(event.actor) if event.actor is not None else None
        content_type = event.content_type
        reply = event.reply_to_source_id
        payload: str | dict[str, Any] | None = event.payload
        mentions: tuple[Person, ...] = ()
        if event.mentions:
            mentions = tuple(person(m) for m in event.mentions)
        else:
            payload = orjson.dumps(payload).decode() if payload else None
        return (
            hit[1],
            self._keys.key(event),
            self._ts_us,
            _VALUES[event.kind],
            member,
            actor,
            _VALUES[content_type] if content_type else None,
            event.text if "\x00" not in event.text else storable(event.text),
            self._keys.source_key(group, reply) if reply else None,
            payload,
            mentions,
            event.source_id,
            reply,
        )

    def _person(self, member: MemberRef) -> Person:
        hit = self._people.get(id(member))
        if hit is None or hit[0] is not member:
            if len(self._people) > 10_000:
                self._people.clear()
            person = (storable(member.identity_key()), storable(member.name), member.is_bot)
            hit = self._people[id(member)] = (member, person)
        return hit[1]


def storable(text: str) -> str:
    """The text with NUL characters (which PostgreSQL refuses in text) as U+FFFD, on every database alike
    so that both store the same; keys are made from the text as the export has it."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def prepared(events: Iterable[Event], keys: KeyMaker | None = None) -> Iterator[Prepared]:
    """Each event prepared, in order."""
    prepare = Preparer(keys).prepare
    for event in events:
        yield prepare(event)
