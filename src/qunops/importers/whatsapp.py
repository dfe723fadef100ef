"""WhatsApp "Export chat" text files (Android and iOS), as a .txt or as `_chat.txt` inside the export zip.

Group identity: the export has no chat id, so the group is named after the file. A file or zip called
`WhatsApp Chat with X` (or the iOS `WhatsApp Chat - X`, German `WhatsApp-Chat mit X`, Spanish
`Chat de WhatsApp con X`, Chinese `与X的 WhatsApp 聊天`) gives the chat name X; any other file gives its stem
(for `_chat.txt` inside a zip, the zip's stem). The group external id is `whatsapp:<name>`, so a later
export of the same chat under the same name lands in the same group.

Members have no ids in this format: every MemberRef carries the display name only. The exporting user is
written as "You"/"Du"/"Tú"/"你" by the phone; all of these become the member "You".

Dates follow the phone's locale. The day/month order is read from the file itself (a pre-pass over the
headers: a field above 12 settles it; otherwise the order under which time runs forwards wins).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePath

from qunops.core.events import ContentType, Event, EventKind, GroupRef, JoinChannel, MemberRef
from qunops.core.platforms import Platform
from qunops.core.texts import Text
from qunops.importers.base import (
    BEFORE_FIRST_MESSAGE,
    ENCRYPTION_NOTICE,
    ImportFormatError,
    ParseContext,
    SourceFile,
)
from qunops.importers.reading import (
    READ_ERRORS,
    LineTooLong,
    bad_time,
    decode_head,
    limit_lines,
    local_time,
    text_lines,
)

# Direction marks and odd spaces the phones write around names and times: removed, or made plain spaces.
_INVISIBLE = {"\ufeff": "", "\u200e": "", "\u200f": "", "\u202f": " ", "\u2009": " ", "\xa0": " "}


def _visible(text: str) -> str:
    """The text without direction marks and odd spaces. A `replace` per character present is many times
    faster than `str.translate`, and most texts hold none of them."""
    for mark, replacement in _INVISIBLE.items():
        if mark in text:
            text = text.replace(mark, replacement)
    return text


_MERIDIEM = r"AM|PM|am|pm|a\.\s?m\.|p\.\s?m\.|上午|下午|午前|午後|오전|오후"
_DATE = r"(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})"
_TIME = (
    rf"(?:(?P<pre>{_MERIDIEM})\s?)?"
    r"(?P<time>(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)"
    rf"(?:\s?(?P<post>{_MERIDIEM}))?"
)
# A message's header, up to its text: iOS `[date, time] ` or Android `date, time - `, after any leading
# white space. One pattern for both (the `ios` group decides how the stamp ends): one match per line.
_HEADER = re.compile(rf"^\s*(?P<ios>\[)?{_DATE},?\s+{_TIME}(?(ios)\]\s?|\s+-\s)")
_DATE_SEPARATOR = re.compile(r"[./-]")
# Read once per message: a module constant is ten times faster to reach than an enum's member.
_MESSAGE, _TEXT = EventKind.MESSAGE, ContentType.TEXT
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # stands for "no message yet"; never stored
_PM = frozenset({"PM", "pm", "p. m.", "p.m.", "下午", "午後", "오후"})

YOU = "You"
_YOU_WORDS = frozenset({"you", "You", "Du", "du", "dich", "Tú", "tú", "Te", "te", "你", "您"})
_Q = '["“”„«»]'  # the quote marks locales put around group names


def _you(name: str) -> str:
    return YOU if name.strip() in _YOU_WORDS else name.strip()


def _names(listing: str) -> list[str]:
    """`A, B and C` / `A, B und C` / `A、B和C` -> the names."""
    parts = re.split(r",\s*|\s+(?:and|und|y|e)\s+|、|和", listing.strip().rstrip("."))
    return [_you(part) for part in parts if part.strip()]


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    kind: EventKind
    channel: JoinChannel | None = None
    actor_unknown: bool = False  # "You were added": nobody is named as the adder


def _rule(
    pattern: str, kind: EventKind, channel: JoinChannel | None = None, *, actor_unknown: bool = False
) -> _Rule:
    return _Rule(re.compile(pattern), kind, channel, actor_unknown)


# Named groups: `actor` (who did it; You when the pattern is the "Du hast…" form without one), `members`
# (whom it concerns: a list),
# `name` (a new group name). A pattern without `members` concerns the actor.
_SYSTEM_RULES: tuple[_Rule, ...] = (
    # created
    _rule(rf"^(?P<actor>.+?) created group {_Q}(?P<name>.*){_Q}$", EventKind.JOIN, JoinChannel.CREATED),
    _rule(r"^(?P<actor>.+?) created this group$", EventKind.JOIN, JoinChannel.CREATED),
    _rule(
        rf"^(?P<actor>.+?) hat die Gruppe {_Q}(?P<name>.*){_Q} erstellt\.?$",
        EventKind.JOIN,
        JoinChannel.CREATED,
    ),
    _rule(rf"^Du hast die Gruppe {_Q}(?P<name>.*){_Q} erstellt\.?$", EventKind.JOIN, JoinChannel.CREATED),
    _rule(rf"^Creaste el grupo {_Q}(?P<name>.*){_Q}\.?$", EventKind.JOIN, JoinChannel.CREATED),
    _rule(rf"^(?P<actor>.+?) creó el grupo {_Q}(?P<name>.*){_Q}\.?$", EventKind.JOIN, JoinChannel.CREATED),
    _rule(rf"^(?P<actor>.+?) ?创建了群组 ?{_Q}(?P<name>.*){_Q}$", EventKind.JOIN, JoinChannel.CREATED),
    _rule(r"^(?P<actor>.+?) ?(?:创建了此群组|建立了此群組)$", EventKind.JOIN, JoinChannel.CREATED),
    # joined by link
    _rule(
        r"^(?P<actor>.+?) joined using (?:this group's|a group|this community's) (?:invite )?link$",
        EventKind.JOIN,
        JoinChannel.LINK,
    ),
    _rule(
        r"^(?P<actor>.+?) (?:ist|bist) über den Einladungslink .*beigetreten\.?$",
        EventKind.JOIN,
        JoinChannel.LINK,
    ),
    _rule(r"^(?P<actor>.+?) se unió usando el enlace de invitación.*$", EventKind.JOIN, JoinChannel.LINK),
    _rule(r"^Te uniste usando el enlace de invitación.*$", EventKind.JOIN, JoinChannel.LINK),
    _rule(
        r"^(?P<actor>.+?) ?(?:已)?通过(?:此群组的)?邀请链接加入(?:群组|了群组)?$",
        EventKind.JOIN,
        JoinChannel.LINK,
    ),
    _rule(r"^(?P<actor>.+?) ?已?透過(?:此群組的)?邀請連結加入(?:了)?群組$", EventKind.JOIN, JoinChannel.LINK),
    # added
    _rule(r"^(?P<members>.+?) (?:were|was) added$", EventKind.JOIN, JoinChannel.INVITE, actor_unknown=True),
    _rule(r"^(?P<actor>.+?) added (?P<members>.+?)$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^Du hast (?P<members>.+?) hinzugefügt\.?$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^(?P<actor>.+?) hat (?P<members>.+?) hinzugefügt\.?$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^Añadiste a (?P<members>.+?)\.?$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^(?P<actor>.+?) te añadió\.?$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^(?P<actor>.+?) añadió a (?P<members>.+?)\.?$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^(?P<actor>.+?) ?添加了 ?(?P<members>.+?)$", EventKind.JOIN, JoinChannel.INVITE),
    _rule(r"^(?P<actor>.+?) ?已新增 ?(?P<members>.+?)$", EventKind.JOIN, JoinChannel.INVITE),
    # removed
    _rule(r"^(?P<actor>.+?) removed (?P<members>.+?)$", EventKind.REMOVAL),
    _rule(r"^Du hast (?P<members>.+?) entfernt\.?$", EventKind.REMOVAL),
    _rule(r"^(?P<actor>.+?) hat (?P<members>.+?) entfernt\.?$", EventKind.REMOVAL),
    _rule(r"^Eliminaste a (?P<members>.+?)\.?$", EventKind.REMOVAL),
    _rule(r"^(?P<actor>.+?) te eliminó\.?$", EventKind.REMOVAL),
    _rule(r"^(?P<actor>.+?) eliminó a (?P<members>.+?)\.?$", EventKind.REMOVAL),
    _rule(r"^(?P<actor>.+?) ?(?:移除了|已移除) ?(?P<members>.+?)$", EventKind.REMOVAL),
    # left
    _rule(r"^(?P<actor>.+?) left$", EventKind.LEAVE),
    _rule(r"^(?P<actor>.+?) (?:hat|hast) die Gruppe verlassen\.?$", EventKind.LEAVE),
    _rule(r"^Saliste del grupo\.?$", EventKind.LEAVE),
    _rule(r"^(?P<actor>.+?) salió del grupo\.?$", EventKind.LEAVE),
    _rule(r"^(?P<actor>.+?) salió\.?$", EventKind.LEAVE),
    _rule(r"^(?P<actor>.+?) ?(?:已)?退出了?群组$", EventKind.LEAVE),
    _rule(r"^(?P<actor>.+?) ?已離開群組$", EventKind.LEAVE),
    # renamed
    _rule(
        rf"^(?P<actor>.+?) changed the (?:group name|subject) "
        rf"(?:from {_Q}(?P<old>.*){_Q} )?to {_Q}(?P<name>.*){_Q}$",
        EventKind.RENAME,
    ),
    _rule(
        rf"^(?P<actor>.+?) (?:hast|hat) den (?:Gruppennamen|Betreff) "
        rf"(?:von {_Q}(?P<old>.*){_Q} )?(?:zu|in) {_Q}(?P<name>.*){_Q}"
        r" geändert\.?$",
        EventKind.RENAME,
    ),
    _rule(
        rf"^Cambiaste (?:el asunto|el nombre del grupo) "
        rf"(?:de {_Q}(?P<old>.*){_Q} )?a {_Q}(?P<name>.*){_Q}\.?$",
        EventKind.RENAME,
    ),
    _rule(
        rf"^(?P<actor>.+?) cambió (?:el asunto|el nombre del grupo) "
        rf"(?:de {_Q}(?P<old>.*){_Q} )?a {_Q}(?P<name>.*){_Q}\.?$",
        EventKind.RENAME,
    ),
    _rule(
        rf"^(?P<actor>.+?) ?(?:将|把)?(?:群组名称|群组主题|群組名稱)"
        rf"(?:从{_Q}(?P<old>.*){_Q})?(?:更改|改)为 ?{_Q}(?P<name>.*){_Q}$",
        EventKind.RENAME,
    ),
    _rule(
        rf"^(?P<actor>.+?) ?(?:已)?(?:更改了|變更了)(?:群组名称|群組名稱)(?:为|為)?\s?{_Q}(?P<name>.*){_Q}$",
        EventKind.RENAME,
    ),
)

_SYSTEM_RULES += (
    # group icon and description changes: kept as OTHER, attributed to who made them
    _rule(
        r"^(?P<actor>.+?) (?:changed|deleted) (?:this group's|the group) (?:icon|description)$",
        EventKind.OTHER,
    ),
    _rule(
        r"^(?P<actor>.+?) (?:hast|hat) (?:das Gruppenbild|die Gruppenbeschreibung) (?:geändert|gelöscht)\.?$",
        EventKind.OTHER,
    ),
    _rule(
        r"^(?:Cambiaste|(?P<actor>.+?) cambió) (?:el ícono|la descripción) de(?:l| este) grupo\.?$",
        EventKind.OTHER,
    ),
    _rule(r"^(?P<actor>.+?) ?(?:更改了|删除了)此群组的(?:图标|描述)$", EventKind.OTHER),
)

_ENCRYPTION = re.compile(
    r"end-to-end encrypted|Ende-zu-Ende-verschlüsselt"
    r"|cifrado de extremo a extremo|cifrados de extremo a extremo"
    r"|端到端加密|端對端加密"
)

# Media placeholders, by locale: exported without media (placeholder text) or with it (file name).
_OMITTED = {
    ContentType.OTHER: (
        "<Media omitted>",
        "<Medien ausgeschlossen>",
        "<Multimedia omitido>",
        "<省略影音内容>",
        "<已省略多媒體檔案>",
        "<媒体已省略>",
    ),
    ContentType.IMAGE: (
        "image omitted",
        "Bild weggelassen",
        "imagen omitida",
        "图片已省略",
        "圖片已略去",
        "GIF omitted",
        "GIF weggelassen",
        "GIF omitido",
    ),
    ContentType.VIDEO: ("video omitted", "Video weggelassen", "video omitido", "视频已省略", "影片已略去"),
    ContentType.VOICE: ("audio omitted", "Audio weggelassen", "audio omitido", "音频已省略", "音訊已略去"),
    ContentType.STICKER: (
        "sticker omitted",
        "Sticker weggelassen",
        "sticker omitido",
        "贴纸已省略",
        "貼圖已略去",
    ),
    ContentType.FILE: ("document omitted", "Dokument weggelassen", "documento omitido"),
    ContentType.CONTACT_CARD: (
        "Contact card omitted",
        "Kontaktkarte weggelassen",
        "tarjeta de contacto omitida",
    ),
}
_OMITTED_BY_TEXT = {text: kind for kind, texts in _OMITTED.items() for text in texts}
_ATTACHED = re.compile(
    r"^(?:<(?:attached|Anhang|adjunto|附件)[:：]\s*(?P<a>.+?)>|(?P<b>.+?) \((?:file attached|Datei angehängt"
    r"|archivo adjunto|文件附件|已附加檔案)\))$"
)
_LOCATION = re.compile(
    r"^(?:location|Location|Standort|ubicación|Ubicación|位置)[:：] ?https?://", re.IGNORECASE
)
_LIVE_LOCATION = frozenset(
    {
        "live location shared",
        "Live-Standort wird geteilt.",
        "ubicación en tiempo real compartida",
        "已共享实时位置",
    }
)
_DELETED = frozenset(
    {
        "This message was deleted",
        "You deleted this message",
        "This message was deleted.",
        "Diese Nachricht wurde gelöscht.",
        "Du hast diese Nachricht gelöscht.",
        "Se eliminó este mensaje.",
        "Eliminaste este mensaje.",
        "Este mensaje fue eliminado",
        "这条消息已删除",
        "此消息已删除",
        "你删除了此消息",
        "此訊息已刪除",
        "你已刪除此訊息",
    }
)
# The texts that stand for something else than what they say: checked with one look-up per message.
_SPECIAL_TEXTS = _DELETED | _LIVE_LOCATION | frozenset(_OMITTED_BY_TEXT)
_POLL = tuple(f"{word}{colon}" for word in ("POLL", "UMFRAGE", "ENCUESTA", "投票") for colon in ":：")
_MENTION = re.compile(r"@\u2068(?P<name>[^\u2069]+)\u2069|@(?P<number>\+?\d[\d ]{5,}\d)")
_EXTENSIONS = {
    ContentType.VOICE: ("opus", "ogg", "m4a", "aac", "mp3", "amr", "wav"),
    ContentType.IMAGE: ("jpg", "jpeg", "png", "heic", "gif"),
    ContentType.STICKER: ("webp",),
    ContentType.VIDEO: ("mp4", "mov", "3gp", "mkv", "avi"),
    ContentType.CONTACT_CARD: ("vcf",),
}
_BY_EXTENSION = {ext: kind for kind, exts in _EXTENSIONS.items() for ext in exts}

_CHAT_NAME = re.compile(
    r"^(?:WhatsApp Chat with |WhatsApp Chat - |WhatsApp-Chat mit "
    r"|Chat de WhatsApp con |Conversa do WhatsApp com )"
    r"(?P<a>.+)$|^(?:与|與)(?P<b>.+?)的 ?WhatsApp ?(?:聊天|對話)$"
)


class WhatsAppText:
    name = "whatsapp"
    platform = Platform.WHATSAPP
    message_bytes = 100  # a header line and a short text: a parse process pays from about 4 MB
    description = "WhatsApp chat export (.txt, or _chat.txt in the export .zip), Android or iOS"

    def sniff(self, head: bytes, filename: str) -> bool:
        text = decode_head(head[:8192], ("utf-8",))
        if text is None:
            return False
        return any(_HEADER.match(_visible(line).strip()) for line in text.splitlines()[:20])

    def chat_id(self, source: SourceFile) -> str:
        """The group id of the export's chat: its name, as the file is named (WhatsApp has no chat id)."""
        return f"whatsapp:{chat_name(source.name)}"

    def earlier_chat_ids(self, source: SourceFile) -> list[str]:
        """The group ids the chat had under the names it was renamed from, as the export's renames say
        (those that name the old name), the oldest first: where an earlier export stored the chat under
        one of them, this export's events are filed there (`ParseContext.chat_id`)."""
        current = self.chat_id(source)
        found: list[str] = []
        for old in _renamed_from(source):
            earlier = f"whatsapp:{old}"
            if earlier != current and earlier not in found:
                found.append(earlier)
        return found

    def parse(self, source: SourceFile, context: ParseContext) -> Iterator[Event]:
        order = _date_order(source)
        chat = chat_name(source.name)
        group = GroupRef(Platform.WHATSAPP, context.chat_id or self.chat_id(source), chat)
        # The message being read, whose continuation lines may still follow (start 0: none yet). Plain
        # locals rather than an object per message: this loop runs once per line of exports of millions.
        start, when, first = 0, _NO_TIME, ""
        lines: list[str] = []
        times: dict[str, datetime] = {}  # exports have minute resolution: many messages share a stamp
        senders: dict[str, MemberRef] = {}  # one MemberRef per sender name, reused by every message
        header = _HEADER.match
        for block_start, block in _line_blocks(source):
            for number, line in enumerate(block, block_start):
                match = header(line)
                if match is None:
                    if start:
                        lines.append(line)
                    elif line.strip():
                        context.skip(number, BEFORE_FIRST_MESSAGE)
                    continue
                if start:
                    yield from _events(group, start, when, first, lines, context, senders)
                    if lines:
                        lines = []
                end = match.end()
                stamp = line[:end]  # everything before the text: the same stamp is the same time
                cached = times.get(stamp)
                if cached is None:
                    try:
                        cached = local_time(_timestamp(match, order), context).astimezone(UTC)
                    except ValueError as exc:
                        written = f"{match['date']} {match['time']}"
                        raise ImportFormatError(source.name, number, bad_time(exc, written)) from None
                    if len(times) > 100_000:
                        times.clear()
                    times[stamp] = cached
                start, when, first = number, cached, line[end:]
        if not start:
            raise ImportFormatError(source.name, None, Text("no WhatsApp message lines found"))
        yield from _events(group, start, when, first, lines, context, senders)


# What every rename line that names the old name holds, in each language the rules read: the raw file is
# searched for these (fast, in bytes) and only the lines holding one are matched.
_RENAMED_FROM_MARKS = tuple(
    mark.encode()
    for mark in (
        "changed the subject from ",
        "changed the group name from ",
        "den Betreff von ",
        "den Gruppennamen von ",
        "el asunto de ",
        "el nombre del grupo de ",
        "群组名称从",
        "群组主题从",
        "群組名稱从",
    )
)
_RENAME_RULES = tuple(rule for rule in _SYSTEM_RULES if rule.kind is EventKind.RENAME)


def _renamed_from(source: SourceFile) -> Iterator[str]:
    """The old names the export's rename lines name, in the file's order."""
    rest = b""
    with source.open_binary() as raw:
        while True:
            chunk = raw.read(1 << 22)
            data = rest + chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            whole, rest = data[:cut], data[cut:]
            starts: set[int] = set()
            for mark in _RENAMED_FROM_MARKS:
                at = whole.find(mark)
                while at >= 0:
                    starts.add(whole.rfind(b"\n", 0, at) + 1)
                    at = whole.find(mark, at + len(mark))
            for start in sorted(starts):
                end = whole.find(b"\n", start)
                line = _visible(whole[start : end if end >= 0 else len(whole)].decode("utf-8", "replace"))
                header = _HEADER.match(line.strip())
                text = line.strip()[header.end() :].strip() if header is not None else ""
                if not text or _sender(text) is not None:
                    continue  # not a system line (a message may quote such words)
                for rule in _RENAME_RULES:
                    found = rule.pattern.match(text)
                    if found is not None:
                        if found["old"]:
                            yield found["old"]
                        break
            if not chunk:
                return


def chat_name(source_name: str) -> str:
    """The chat's name from the export's file (or, for `_chat.txt` in a zip, the zip's) name."""
    archive, bang, member = source_name.rpartition("!")
    path = PurePath(member if bang else source_name)
    if (bang and path.name.lower().startswith("_chat")) or path.name.lower() == "chat.txt":
        path = PurePath(archive) if bang else path
    stem = re.sub(r"\s*\(\d+\)$", "", path.stem.strip())
    found = _CHAT_NAME.match(stem)
    if found:
        return (found["a"] or found["b"]).strip()
    return stem or "WhatsApp chat"


_READ_FAILURES: tuple[type[BaseException], ...] = (UnicodeDecodeError, LineTooLong, *READ_ERRORS)
_BLOCK = 1 << 16  # characters of whole lines read at a time: small enough to stay in the CPU cache


def _line_blocks(source: SourceFile) -> Iterator[tuple[int, list[str]]]:
    """The file's lines, made `_visible`, a block at a time: (the first line's number, the block's lines).

    The lines and numbers `reading.text_lines` gives (universal newlines, line ends dropped), by the same
    `readline`s, in blocks: one line at a time, the generator step and the search for invisible characters
    cost as much as matching the header. Should reading fail (a byte that is not UTF-8, a broken zip
    member), `text_lines` reads the file again and goes on from the first line not yet given: it raises
    the very error, at the very line, it raises on its own, after the same lines.
    """
    done = 0
    try:
        with source.open_binary() as raw:
            stream = io.TextIOWrapper(limit_lines(raw), encoding="utf-8", errors="strict", newline=None)
            while batch := stream.readlines(_BLOCK):
                lines = _visible("".join(batch)).split("\n")
                del lines[len(batch) :]  # the empty string after the last line's end
                yield done + 1, lines
                done += len(batch)
    except _READ_FAILURES:
        for number, line in text_lines(source, "utf-8"):
            if number > done:
                yield number, [_visible(line)]


def _headers(source: SourceFile) -> Iterator[re.Match[str]]:
    """The header of each message in the file, in order."""
    for _start, block in _line_blocks(source):
        for line in block:
            header = _HEADER.match(line)
            if header is not None:
                yield header


def _date_order(source: SourceFile) -> str:
    """ "YMD", "DMY" or "MDY": which field of the dates is which, decided from all the file's headers.

    A day above 12 settles it. Where none is (an export of days 1 to 12 only: a week's event group),
    the order in which the dates run forward does, then the one under which they lie closer together:
    a chat has messages on nearby days, so 01/03, 02/03, 03/03 is the first three days of March rather
    than the third of January, February and March. Only with no evidence at all does the locale's
    custom decide (en-US phones write M/D/YY; dotted and dashed dates are day-first locales)."""
    day_first_possible = month_first_possible = True
    backwards = {"DMY": 0, "MDY": 0}
    spread = {"DMY": 0, "MDY": 0}  # days between consecutive dates, added up
    previous: dict[str, int] = {}
    separator = "/"
    last_date = ""
    for header in _headers(source):
        date = header["date"]
        if date == last_date:
            continue  # most headers repeat the one before's date: it adds no evidence
        last_date = date
        a, b, c = _fields(date)
        if date[:4].isdigit():  # four digits first (the pattern allows no more): year first
            return "YMD"
        separator = _DATE_SEPARATOR.search(date)[0]  # type: ignore[index]
        if a > 12:
            month_first_possible = False
        if b > 12:
            day_first_possible = False
        if day_first_possible != month_first_possible:
            break  # a day above 12 settles the order: no need to read the rest of the file
        for order, (month, day) in (("DMY", (b, a)), ("MDY", (a, b))):
            day_number = _day_number(c, month, day)
            if order in previous:
                backwards[order] += day_number < previous[order]
                spread[order] += abs(day_number - previous[order])
            previous[order] = day_number
    if day_first_possible != month_first_possible:
        return "DMY" if day_first_possible else "MDY"
    if backwards["DMY"] != backwards["MDY"]:
        return "DMY" if backwards["DMY"] < backwards["MDY"] else "MDY"
    if spread["DMY"] != spread["MDY"]:
        return "DMY" if spread["DMY"] < spread["MDY"] else "MDY"
    return "MDY" if separator == "/" else "DMY"


def _day_number(year: int, month: int, day: int) -> int:
    """The date's day count from year 1. Only dates whose month and day are both at most 12 are counted
    (every month has those days); a field out of range is counted as the nearest valid one, for the parser
    refuses that date anyway."""
    year = year + 2000 if year < 100 else year
    return datetime(max(year, 1), min(max(month, 1), 12), min(max(day, 1), 28)).toordinal()


def _timestamp(match: re.Match[str], order: str) -> datetime:
    year, month, day = _date(match["date"], order)
    hour, minute, second, pre, post = match.group("hour", "minute", "second", "pre", "post")
    clock = int(hour)
    meridiem = pre or post
    if meridiem:
        if not 0 <= clock <= 12:
            raise ValueError("hour out of range for a 12-hour clock")
        # 12 AM is midnight; some exports also write midnight as 00 AM.
        clock = clock % 12 + (12 if meridiem in _PM else 0)
    return datetime(year, month, day, clock, int(minute), int(second or 0))


@functools.lru_cache(maxsize=1024)  # an export's messages share few dates: each is read once
def _date(date: str, order: str) -> tuple[int, int, int]:
    """Year, month and day of a header's date (a year of two digits is in this century)."""
    a, b, c = _fields(date)
    year, month, day = {"YMD": (a, b, c), "DMY": (c, b, a), "MDY": (c, a, b)}[order]
    return (year + 2000 if year < 100 else year), month, day


def _fields(date: str) -> tuple[int, int, int]:
    first, second, third = _DATE_SEPARATOR.split(date)
    return int(first), int(second), int(third)


def _events(
    group: GroupRef,
    line: int,
    ts: datetime,
    first: str,
    lines: list[str],
    context: ParseContext,
    senders: dict[str, MemberRef],
) -> list[Event]:
    """The events of one message: its header line's text and its continuation lines.

    `senders` holds a MemberRef for each name `_sender` has accepted (never one with a quote, or blank):
    `name: text` from a name in it is a message from that member without asking `_sender` again.
    """
    name, colon, text = first.partition(": ")
    member = senders.get(name) if colon else None
    if member is None:
        sender = _sender(first)
        if sender is None:
            return list(_system(group, ts, "\n".join([first, *lines]).strip(), line, context))
        name, text = sender
        member = _member(name, senders)
    if lines:
        while lines and not lines[-1].strip():
            lines.pop()  # blank lines at the end of the file belong to no message
        text = "\n".join([text, *lines])
    if not lines and _encryption(text):
        context.skip(line, ENCRYPTION_NOTICE)
        return []
    return [_message(group, ts, member, text)]


def _member(name: str, senders: dict[str, MemberRef]) -> MemberRef:
    """One MemberRef per sender name, reused by all their messages."""
    member = senders.get(name)
    if member is None:
        if len(senders) > 100_000:
            senders.clear()
        member = senders[name] = MemberRef(_you(name))
    return member


def _encryption(text: str) -> bool:
    # Literal checks first: the alternation is slow to search and almost no message mentions encryption.
    return (
        "end-to-end" in text or "Ende-zu-Ende" in text or "extremo a extremo" in text or "端" in text
    ) and _ENCRYPTION.search(text) is not None


def _sender(rest: str) -> tuple[str, str] | None:
    """Split `name: text`; None when the line is a system notice (no sender)."""
    name, colon, text = rest.partition(": ")
    if not colon:
        # `Carol:` (an empty, view-once message) and `John Doe:.` (text right after the colon)
        name, colon, text = rest.partition(":")
        if not colon or not name or name.endswith(" ") or text[:1].isdigit():
            return None  # `… at 12:30` is a system line, not a sender called "… at 12"
    if '"' in name or "“" in name or not name.strip():
        # a quote before the first colon belongs to a system line such as a group name with a colon in it
        return None
    return name, text


def _message(group: GroupRef, ts: datetime, member: MemberRef, text: str) -> Event:
    stripped = text.strip()
    content = _TEXT
    payload: dict[str, object] = {}
    # Each test is tried only where it can match (one set holds all the texts that stand for something
    # else, an attachment ends with ">" or ")", a location holds "://", a mention "@"): most messages are
    # plain text and skip them all.
    if stripped in _SPECIAL_TEXTS:
        if stripped in _DELETED:
            return Event(group, EventKind.RECALL, ts, member=member, text="")
        if stripped in _LIVE_LOCATION:
            content = ContentType.LOCATION
        else:
            content = _OMITTED_BY_TEXT[stripped]
            payload["media_omitted"] = True
    elif stripped.endswith((">", ")")) and (attached := _ATTACHED.match(stripped)):
        file_name = (attached["a"] or attached["b"]).strip()
        extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
        content = (
            ContentType.STICKER if "-STK-" in file_name else _BY_EXTENSION.get(extension, ContentType.FILE)
        )
        payload["file"] = file_name
    elif "://" in stripped and _LOCATION.match(stripped):
        content = ContentType.LOCATION
    elif stripped.startswith(_POLL):
        content = ContentType.POLL
    elif not stripped:
        content = ContentType.OTHER  # view-once or deleted media leave an empty text
    mentions = _mentions(text) if "@" in text else ()
    # Fields by position: keyword arguments make building the event, once per message, a third slower.
    return Event(group, _MESSAGE, ts, member, None, content, text, None, None, mentions, payload)


def _mentions(text: str) -> tuple[MemberRef, ...]:
    return tuple(
        MemberRef(found["name"] or found["number"].replace(" ", "")) for found in _MENTION.finditer(text)
    )


def _system(group: GroupRef, ts: datetime, text: str, line: int, context: ParseContext) -> Iterator[Event]:
    if _ENCRYPTION.search(text) or "secured with end-to-end encryption" in text:
        context.skip(line, ENCRYPTION_NOTICE)
        return
    for rule in _SYSTEM_RULES:
        found = rule.pattern.match(text)
        if found is None:
            continue
        values = found.groupdict()
        actor = MemberRef(_you(values["actor"])) if values.get("actor") else MemberRef(YOU)
        if rule.kind is EventKind.RENAME:
            yield Event(
                group, EventKind.RENAME, ts, member=actor, text=text, payload={"name": values["name"]}
            )
            return
        if rule.kind in (EventKind.LEAVE, EventKind.OTHER):
            yield Event(group, rule.kind, ts, member=actor, text=text)
            return
        members = values.get("members")
        if members is None:
            payload: dict[str, object] = {"channel": rule.channel} if rule.channel else {}
            if values.get("name") is not None:
                payload["name"] = values["name"]
            # `X te añadió` / `X hat dich entfernt`: the exporting user is the one added or removed
            if rule.kind is EventKind.REMOVAL or (rule.channel is JoinChannel.INVITE and values.get("actor")):
                yield Event(
                    group, rule.kind, ts, member=MemberRef(YOU), actor=actor, text=text, payload=payload
                )
            else:
                yield Event(group, rule.kind, ts, member=actor, text=text, payload=payload)
            return
        by = None if rule.actor_unknown else actor
        for name in _names(members):
            payload = {"channel": rule.channel} if rule.channel else {}
            yield Event(group, rule.kind, ts, member=MemberRef(name), actor=by, text=text, payload=payload)
        return
    yield Event(group, EventKind.OTHER, ts, text=text)
