"""Rule detectors: small pure classes, each returning zero or more `Finding`s for one message.

Every detector has a `name` and `detect(message, context) -> list[Finding]`. They read the normalised
forms of `qunops.moderation.normalize` (so obfuscation is undone once, for all of them) and, where
they need history, the `RecentActivity` window and `MemberStanding` of the context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import ahocorasick

from qunops.core.events import ContentType
from qunops.core.texts import Text, listing
from qunops.moderation.findings import Finding, PolicyCategory, Severity
from qunops.moderation.message import Message, ModerationContext
from qunops.moderation.normalize import normalize
from qunops.moderation.wordlists import CONTACT_PHRASES, DEFAULT_ENTRIES, Entry

__all__ = [
    "BaitContentDetector",
    "ContactDetector",
    "CrossGroupDuplicateDetector",
    "Detector",
    "FloodDetector",
    "KeywordDetector",
    "LinkDetector",
    "MentionSpamDetector",
    "NewcomerDetector",
    "RegexDetector",
    "RegexRule",
    "default_detectors",
]


class Detector(Protocol):
    name: str

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]: ...


_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")


@dataclass(frozen=True, slots=True)
class _Keyword:
    phrase: str
    category: PolicyCategory
    severity: Severity
    explanation: str
    prefix: bool


class KeywordDetector:
    """Phrase lists matched with Aho-Corasick over normalised text, in one pass however long the list.

    CJK phrases are matched in the ``compact`` form (separators removed: "加 V ✨ 信" → "加v信");
    Latin and Cyrillic phrases in the ``text`` form at word boundaries, so "ass" never fires inside
    "class"; a trailing "*" allows any word ending ("fuck*" → "fucking").
    """

    def __init__(self, entries: Iterable[Entry] = DEFAULT_ENTRIES, name: str = "keyword") -> None:
        self.name = name
        self._compact = ahocorasick.Automaton()
        self._worded = ahocorasick.Automaton()
        for phrase, category, severity, explanation in entries:
            prefix = phrase.endswith("*")
            norm = normalize(phrase.rstrip("*"))
            kw = _Keyword(phrase.rstrip("*"), category, severity, explanation, prefix)
            if _CJK.search(norm.compact):
                self._add(self._compact, norm.compact, kw)
            elif norm.text:
                self._add(self._worded, f" {norm.text}" if prefix else f" {norm.text} ", kw)
        self._has_compact = len(self._compact) > 0
        self._has_worded = len(self._worded) > 0
        if self._has_compact:
            self._compact.make_automaton()
        if self._has_worded:
            self._worded.make_automaton()

    @staticmethod
    def _add(automaton: ahocorasick.Automaton, key: str, kw: _Keyword) -> None:
        # Keep the most severe reading when two lists carry the same phrase.
        existing = automaton.get(key, None)
        if existing is None or kw.severity > existing[1].severity:
            automaton.add_word(key, (key, kw))

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        found: dict[tuple[str, PolicyCategory], Finding] = {}
        if self._has_compact and message.norm.compact:
            for _end, (key, kw) in self._compact.iter(message.norm.compact):
                self._keep(found, kw, key)
        if self._has_worded and message.norm.text:
            padded = f" {message.norm.text} "
            for _end, (key, kw) in self._worded.iter(padded):
                self._keep(found, kw, key.strip())
        # Report "пишите в лс" once, not also its part "в лс".
        return [
            f
            for f in found.values()
            if not any(
                o is not f and o.category == f.category and f.evidence in o.evidence for o in found.values()
            )
        ]

    def _keep(self, found: dict[tuple[str, PolicyCategory], Finding], kw: _Keyword, evidence: str) -> None:
        if (evidence, kw.category) in found:
            return
        found[(evidence, kw.category)] = Finding(
            rule=f"{self.name}:{kw.category.value}",
            category=kw.category,
            severity=kw.severity,
            evidence=evidence,
            explanation=Text('contains "{evidence}": {why}', evidence=evidence, why=Text(kw.explanation)),
        )


@dataclass(frozen=True, slots=True)
class RegexRule:
    """A regular expression over one form of the text: "raw", "folded", "text" or "compact"."""

    name: str
    pattern: re.Pattern[str]
    category: PolicyCategory
    severity: Severity
    explanation: str
    form: str = "folded"


class RegexDetector:
    """Operator-defined regular expressions; each match is one finding (first match per rule)."""

    name = "regex"

    def __init__(self, rules: Sequence[RegexRule]) -> None:
        self.rules = list(rules)

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        out: list[Finding] = []
        for rule in self.rules:
            target = message.text if rule.form == "raw" else getattr(message.norm, rule.form)
            m = rule.pattern.search(target)
            if m:
                out.append(
                    Finding(
                        rule=f"regex:{rule.name}",
                        category=rule.category,
                        severity=rule.severity,
                        evidence=m.group(0),
                        explanation=Text(rule.explanation),
                        span=m.span() if rule.form == "raw" else None,
                    )
                )
        return out


# --- contacts -------------------------------------------------------------------------------------

_SEP = r"[\s\-.·_]?"
# Chinese mobile numbers (1[3-9] + 9 digits), with optional +86 and separators between digit groups.
_CN_MOBILE = re.compile(rf"(?<!\d)(?:\+?86{_SEP})?1[3-9]\d(?:{_SEP}\d){{8}}(?!\d)")
# International numbers written with a leading + and 8–14 digits, and long local numbers (0… UK style).
_INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s\-]?\(?\d{1,4}\)?){2,5}(?!\d)")
_LOCAL_PHONE = re.compile(r"(?<!\d)0\d{2,4}[\s\-]?\d{3,4}[\s\-]?\d{3,4}(?!\d)")
# QQ numbers: 5–11 digits after a QQ marker.
_QQ_ID = re.compile(r"(?:qq|q号|扣扣|企鹅|q群|群号|qq群|加q|加扣)[\s:：号码是为]*([1-9]\d{4,10})(?!\d)")
# WeChat ids: 6–20 characters starting with a letter, after a WeChat marker.
_WECHAT_MARKERS = (
    "微信",
    "wechat",
    "weixin",
    "wx",
    "vx",
    "v信",
    "薇信",
    "威信",
    "加v",
    "加微",
    "加薇",
    "微x",
    "wei信",
)
# Markers may be spelt out with separators ("w.e.c.h.a.t"), so up to two non-word characters may sit
# between their letters.
_WECHAT_ID = re.compile(
    "(?:"
    + "|".join(r"\W{0,2}".join(map(re.escape, marker)) for marker in _WECHAT_MARKERS)
    + r")[\s:：号是为]*([a-z][-_a-z0-9]{5,19})(?![-_a-z0-9])"
)
# A bare 8–11 digit number: in Chinese groups usually a QQ number or phone in disguise.
_LONG_NUMBER = re.compile(r"(?<![\d.,$£€¥:/])[1-9]\d{7,10}(?![\d.,%])")
# Telegram / handle solicitations: "@username" with a contact verb nearby, and t.me links.
_HANDLE = re.compile(
    r"(?:contact|message|write|dm|pm|text|reach|telegram|tg|whatsapp|напиши|пишите|пиши)\W{0,6}@[a-z0-9_]{4,32}"
)


class ContactDetector:
    """Solicitation of an outside contact: phone numbers, WeChat/QQ ids, "加V"-style phrases, "DM me".

    Phrases ("加v", "薇信", "私聊", "dm me", "пишите в лс") are matched on normalised text, so "加 V",
    "薇❤信", "ＤＭ ｍｅ" and "пишитe в лc" (Latin look-alikes) all count.
    """

    name = "contact"

    def __init__(self, phrases: Iterable[Entry] = CONTACT_PHRASES) -> None:
        self._phrases = KeywordDetector(phrases, name="contact")

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        cached = message.cache.get(self.name)
        if cached is not None:
            return list(cached)
        out = self._phrases.detect(message, context)
        plain = message.norm.plain
        numbers: set[str] = set()
        for m in _CN_MOBILE.finditer(plain):
            numbers.add(re.sub(r"\D", "", m.group(0))[-11:])
            out.append(
                self._finding("phone", m.group(0), "contains a Chinese mobile number", Severity.MEDIUM)
            )
        for pattern in (_INTL_PHONE, _LOCAL_PHONE):
            for m in pattern.finditer(plain):
                digits = re.sub(r"\D", "", m.group(0))
                if len(digits) >= 8 and not any(digits.endswith(n) for n in numbers):
                    numbers.add(digits)
                    out.append(self._finding("phone", m.group(0), "contains a phone number", Severity.MEDIUM))
        for m in _QQ_ID.finditer(message.norm.compact):
            numbers.add(m.group(1))
            out.append(self._finding("qq", m.group(0), "gives a QQ number or QQ group", Severity.MEDIUM))
        for m in _WECHAT_ID.finditer(plain):
            out.append(self._finding("wechat", m.group(0), "gives a WeChat id", Severity.MEDIUM))
        for m in _LONG_NUMBER.finditer(plain):
            if m.group(0) not in numbers and not any(m.group(0) in n for n in numbers):
                out.append(
                    self._finding(
                        "number", m.group(0), "contains a long number (possibly a QQ id)", Severity.LOW
                    )
                )
        for m in _HANDLE.finditer(message.norm.folded):
            out.append(
                self._finding("handle", m.group(0), "asks to contact an account handle", Severity.MEDIUM)
            )
        message.cache[self.name] = tuple(out)
        return out

    def _finding(self, kind: str, evidence: str, explanation: str, severity: Severity) -> Finding:
        return Finding(f"contact:{kind}", PolicyCategory.SPAM_ADS, severity, evidence, Text(explanation))


# --- links ----------------------------------------------------------------------------------------

_TLDS = (
    "com|cn|net|org|top|xyz|ru|me|io|cc|vip|club|site|online|ltd|info|biz|shop|store|tk|ml|ga|cf|gq|link|"
    "app|live|fun|icu|wang|ink|pro|co|uk|us|de|fr|tv|ws|bz|su|in|to|ly|gl|gd|is|sh|ai|win|bet|cash|money"
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。！？、]+", re.IGNORECASE)
# A bare domain, including ones padded with spaces or written with 。/"dot" to slip past link filters.
_DOMAIN = re.compile(
    r"(?<![a-z0-9@.\-])((?:[a-z0-9][-a-z0-9]{0,62}(?:\.|。|\(dot\)|\[dot\]| dot ))+"
    rf"(?:{_TLDS}))(?![a-z0-9])"
    r"(?:/[^\s，。]*)?"
)
# "wqkj777. top": a space after the dot hides a link from filters, but "pain. is" is a sentence break, so
# the spaced form counts only with TLDs that are not everyday words.
_SPACED_DOMAIN = re.compile(
    r"(?<![a-z0-9@.\-])([a-z0-9][-a-z0-9]{1,62}\s?[.。]\s(?:top|xyz|vip|club|site|online|ltd|icu|cc|wang|ink|"
    r"shop|store|tk|ml|ga|cf|gq|bet|cn|ru|com|net))(?![a-z0-9])"
)
_SHORTENERS = frozenset(
    {
        "bit.ly",
        "tinyurl.com",
        "t.cn",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "cutt.ly",
        "urlz.fr",
        "rb.gy",
        "shorturl.at",
        "dwz.cn",
        "suo.im",
        "url.cn",
        "tiny.cc",
        "v.gd",
        "t.ly",
        "s.id",
        "clck.ru",
    }
)
_INVITES = (
    "t.me/+",
    "t.me/joinchat",
    "chat.whatsapp.com",
    "qm.qq.com",
    "jq.qq.com",
    "discord.gg",
    "discord.com/invite",
    "u.wechat.com",
    "weixin.qq.com/g",
)


class LinkDetector:
    """Links, with extra weight for shorteners, group invites and links disguised to evade filters.

    `allowed_domains` (and their subdomains) are never reported: a workspace's own shop or site.
    """

    name = "link"

    def __init__(self, allowed_domains: Iterable[str] = ()) -> None:
        self.allowed = tuple(d.lower().lstrip(".") for d in allowed_domains)

    def _allowed(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.allowed)

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        cached = message.cache.get(self.name)
        if cached is not None:
            return list(cached)
        plain = message.norm.plain
        out: list[Finding] = []
        seen: set[str] = set()
        for m in _URL.finditer(plain):
            url = m.group(0)
            host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url).split("/")[0].split(":")[0]
            seen.add(host)
            if not self._allowed(host):
                out.append(self._classify(url, host, disguised=False))
        for m in [*_DOMAIN.finditer(plain), *_SPACED_DOMAIN.finditer(plain)]:
            raw_host = m.group(1)
            host = re.sub(r"\s?(?:。|\(dot\)|\[dot\]| dot )\s?|\s", ".", raw_host).replace("..", ".")
            host = host.removeprefix("www.")
            if host in seen or any(host.endswith("." + s) or s.endswith("." + host) for s in seen):
                continue
            seen.add(host)
            if not self._allowed(host):
                disguised = raw_host != raw_host.replace(" ", "").replace("。", ".") or "dot" in raw_host
                out.append(self._classify(m.group(0), host, disguised=disguised))
        message.cache[self.name] = tuple(out)
        return out

    def _classify(self, evidence: str, host: str, disguised: bool) -> Finding:
        lowered = evidence.lower()
        if disguised:
            return Finding(
                "link:disguised",
                PolicyCategory.SPAM_ADS,
                Severity.HIGH,
                evidence,
                Text("a link to {host} written to slip past link filters", host=host),
            )
        if any(inv in lowered for inv in _INVITES):
            return Finding(
                "link:invite",
                PolicyCategory.SPAM_ADS,
                Severity.MEDIUM,
                evidence,
                Text("an invitation to another group or channel ({host})", host=host),
            )
        if host in _SHORTENERS:
            return Finding(
                "link:shortener",
                PolicyCategory.SPAM_ADS,
                Severity.MEDIUM,
                evidence,
                Text("a shortened link ({host}) that hides where it leads", host=host),
            )
        return Finding(
            "link:url", PolicyCategory.SPAM_ADS, Severity.LOW, evidence, Text("a link to {host}", host=host)
        )


# --- bait content ---------------------------------------------------------------------------------

_BAIT_WORDS = re.compile(
    r"领取|免费|福利|红包|助力|砍价|扫码|扫一扫|进群|加我|私聊|返现|抽奖|中奖|claim|free|scan|bonus"
)
_QR_WORDS = re.compile(r"二维码|扫码|扫一扫|长按识别|qr ?code|scan (?:the|this) code")


class BaitContentDetector:
    """QR codes, mini-programs, contact cards and red packets used to pull members elsewhere.

    Content types come from the event; a QR code is an image whose payload says ``qr`` (set by importers
    or gateways that decode images) or whose text asks to scan a code.
    """

    name = "bait"

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        ct = message.content_type
        text = message.norm.folded
        bait = _BAIT_WORDS.search(text)
        out: list[Finding] = []
        if ct == ContentType.CONTACT_CARD:
            out.append(
                self._f(
                    "contact_card",
                    Text("shares a contact card (pulls members into private chats)"),
                    Severity.HIGH if bait else Severity.MEDIUM,
                    text,
                )
            )
        elif ct == ContentType.MINI_PROGRAM:
            if bait:
                out.append(
                    self._f(
                        "mini_program",
                        Text('a mini-program offered with "{bait}"', bait=bait.group(0)),
                        Severity.MEDIUM,
                        bait.group(0),
                    )
                )
            else:
                out.append(self._f("mini_program", Text("shares a mini-program"), Severity.LOW, text))
        elif ct == ContentType.RED_PACKET and bait and bait.group(0) != "红包":
            out.append(
                self._f(
                    "red_packet",
                    Text('a red packet used as bait ("{bait}")', bait=bait.group(0)),
                    Severity.MEDIUM,
                    bait.group(0),
                )
            )
        qr_flag = bool(message.payload.get("qr"))
        qr_text = _QR_WORDS.search(text)
        if qr_flag or (qr_text and ct in (ContentType.IMAGE, ContentType.TEXT)):
            severity = Severity.MEDIUM if (qr_flag or bait) else Severity.LOW
            evidence = qr_text.group(0) if qr_text else "QR code image"
            out.append(
                self._f(
                    "qr_code", Text("a QR code to scan (leads members out of the group)"), severity, evidence
                )
            )
        return out

    def _f(self, kind: str, explanation: str, severity: Severity, evidence: str) -> Finding:
        return Finding(f"bait:{kind}", PolicyCategory.SPAM_ADS, severity, evidence[:80], explanation)


# --- behaviour ------------------------------------------------------------------------------------


class FloodDetector:
    """A member sending `limit` or more messages within `window` in one group (counting this one)."""

    name = "flood"

    def __init__(self, limit: int = 6, window: timedelta = timedelta(seconds=20)) -> None:
        self.limit = limit
        self.window = window

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        if not message.member or context.standing.privileged:
            return []
        recent = context.activity.member_messages(message.group, message.member, message.ts - self.window)
        out: list[Finding] = []
        if len(recent) >= self.limit:
            seconds = int(self.window.total_seconds())
            out.append(
                Finding(
                    "flood:rate",
                    PolicyCategory.SPAM_ADS,
                    Severity.MEDIUM,
                    f"{len(recent)} messages",
                    Text(
                        "{count} messages in {seconds} seconds (limit {limit})",
                        count=len(recent),
                        seconds=seconds,
                        limit=self.limit,
                    ),
                )
            )
        same = [s for s in recent if s.fingerprint == message.fingerprint]
        if len(message.norm.compact) >= 4 and len(same) >= 3:
            out.append(
                Finding(
                    "flood:repeat",
                    PolicyCategory.SPAM_ADS,
                    Severity.MEDIUM,
                    message.norm.text[:80],
                    Text(
                        "the same text {count} times in {seconds} seconds",
                        count=len(same),
                        seconds=int(self.window.total_seconds()),
                    ),
                )
            )
        return out


class CrossGroupDuplicateDetector:
    """The same text (after normalisation) posted in several groups, or by several accounts, recently.

    Several groups with one text is repeated selling; several members with one text is coordination
    (multi-account abuse), reported separately so the ladder can treat it as aggravating.

    Groups echo, too: greetings on a holiday, "thanks for sharing" after a talk, "thanks for the invite"
    from a few members who joined together, a chain of sign-ups, a phrase the group likes to repeat. A
    repeated text is HIGH, as campaigns are, when it carries a link or a contact solicitation (as the
    workspace's link and contact rules see them, allowed domains included): that is what a campaign is
    for. Without either it is MEDIUM: evidence that adds to other signs (a classifier that finds it
    spammy, a keyword), never a flag on its own. (Who posts it does not decide: the fresh accounts of a
    campaign and members who just joined look alike.)
    """

    name = "duplicate"

    def __init__(
        self,
        links: LinkDetector | None = None,
        contacts: ContactDetector | None = None,
        min_groups: int = 3,
        min_members: int = 3,
        window: timedelta = timedelta(hours=1),
        min_length: int = 8,
    ) -> None:
        self.links = links if links is not None else LinkDetector()
        self.contacts = contacts if contacts is not None else ContactDetector()
        self.min_groups = min_groups
        self.min_members = min_members
        self.window = window
        self.min_length = min_length

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        if len(message.norm.compact) < self.min_length or context.standing.privileged:
            return []
        seen = context.activity.same_text(message.fingerprint, message.ts - self.window)
        groups = {s.group for s in seen}
        members = {s.member for s in seen if s.member}
        if len(groups) < self.min_groups and len(members) < self.min_members:
            return []
        if self.links.detect(message, context) or self.contacts.detect(message, context):
            severity, carrying = Severity.HIGH, Text("with a link or contact")
        else:
            severity, carrying = Severity.MEDIUM, Text("with no link or contact")
        minutes = int(self.window.total_seconds() // 60)
        out: list[Finding] = []
        if len(groups) >= self.min_groups:
            out.append(
                Finding(
                    "duplicate:groups",
                    PolicyCategory.SPAM_ADS,
                    severity,
                    message.norm.text[:80],
                    Text(
                        "the same text {carrying} was posted in {groups} groups within {minutes} minutes",
                        carrying=carrying,
                        groups=len(groups),
                        minutes=minutes,
                    ),
                )
            )
        if len(members) >= self.min_members:
            out.append(
                Finding(
                    "duplicate:accounts",
                    PolicyCategory.SPAM_ADS,
                    severity,
                    message.norm.text[:80],
                    Text(
                        "{accounts} different accounts posted the same text {carrying} within {minutes} "
                        "minutes (coordinated accounts)",
                        accounts=len(members),
                        carrying=carrying,
                        minutes=minutes,
                    ),
                )
            )
        return out


class NewcomerDetector:
    """A newcomer's first messages carrying links or contacts: the classic join-post-leave ad.

    A newcomer joined within `recent` or has sent fewer than `first_messages` messages before this one.
    Needs `MemberStanding` in the context; without join time or message count it stays silent.
    """

    name = "newcomer"

    def __init__(
        self,
        links: LinkDetector,
        contacts: ContactDetector,
        recent: timedelta = timedelta(days=1),
        first_messages: int = 3,
    ) -> None:
        self.links = links
        self.contacts = contacts
        self.recent = recent
        self.first_messages = first_messages

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        st = context.standing
        if st.privileged:
            return []
        fresh = st.joined_at is not None and message.ts - st.joined_at <= self.recent
        early = st.messages_before is not None and st.messages_before < self.first_messages
        if not (fresh or early):
            return []
        carried = [
            f
            for f in self.links.detect(message, context) + self.contacts.detect(message, context)
            if f.severity >= Severity.MEDIUM or f.rule == "link:url"
        ]
        if message.content_type in (ContentType.CONTACT_CARD, ContentType.MINI_PROGRAM):
            carried.append(
                Finding("bait", PolicyCategory.SPAM_ADS, Severity.MEDIUM, message.content_type.value, "")
            )
        if not carried:
            return []
        who: list[Text] = []
        if fresh and st.joined_at is not None:
            hours = (message.ts - st.joined_at).total_seconds() / 3600
            who.append(Text("joined {hours:.1f} hours ago", hours=hours))
        if early and st.messages_before is not None:
            who.append(_sent_before(st.messages_before))
        what = listing([Text(family) for family in sorted({f.rule.split(":")[0] for f in carried})])
        newcomer = Text("{first}; {second}", first=who[0], second=who[1]) if len(who) == 2 else who[0]
        return [
            Finding(
                "newcomer:first_messages",
                PolicyCategory.SPAM_ADS,
                Severity.HIGH,
                carried[0].evidence,
                Text("a newcomer ({who}) posts {what} in their first messages", who=newcomer, what=what),
            )
        ]


def _sent_before(count: int) -> Text:
    if count == 0:
        return Text("has sent no message before")
    if count == 1:
        return Text("has sent 1 message before")
    return Text("has sent {count} messages before", count=count)


class MentionSpamDetector:
    """Many mentions in one message, or @all from a member who is not an admin."""

    name = "mentions"

    def __init__(self, limit: int = 5) -> None:
        self.limit = limit

    def detect(self, message: Message, context: ModerationContext) -> list[Finding]:
        if context.standing.privileged:
            return []
        out: list[Finding] = []
        if message.mentions >= self.limit:
            out.append(
                Finding(
                    "mentions:many",
                    PolicyCategory.SPAM_ADS,
                    Severity.MEDIUM,
                    f"{message.mentions} mentions",
                    Text(
                        "mentions {count} members at once (limit {limit})",
                        count=message.mentions,
                        limit=self.limit,
                    ),
                )
            )
        if message.mentions_all:
            out.append(
                Finding(
                    "mentions:all",
                    PolicyCategory.SPAM_ADS,
                    Severity.MEDIUM,
                    "@all",
                    Text("mentions everyone without being an admin"),
                )
            )
        return out


def default_detectors(allowed_domains: Iterable[str] = ()) -> list[Detector]:
    """The full default rule set, in the order their findings are reported."""
    links = LinkDetector(allowed_domains)
    contacts = ContactDetector()
    return [
        KeywordDetector(),
        contacts,
        links,
        BaitContentDetector(),
        FloodDetector(),
        CrossGroupDuplicateDetector(links, contacts),
        NewcomerDetector(links, contacts),
        MentionSpamDetector(),
    ]
