"""WeChat system messages (type 10000/10002) as events: invitations, QR joins, removals, renames, recalls,
pats and red-packet claims, from the plain text or from the `sysmsgtemplate` / `revokemsg` XML.

The plain text names people by display name only; the XML form carries their wxids, so it is rendered to the
same text first, with a table from each rendered name to the member (wxid) it stands for.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qunops.core.events import ContentType, Event, EventKind, GroupRef, JoinChannel, MemberRef

YOU = "你"
_Q = '["“”]'
_NAME = rf"{_Q}(?P<{{0}}>.+?){_Q}"


def _n(group: str) -> str:
    return _NAME.format(group)


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: re.Pattern[str]
    kind: EventKind
    channel: JoinChannel | None = None


def _rule(pattern: str, kind: EventKind, channel: JoinChannel | None = None) -> _Rule:
    return _Rule(re.compile(pattern), kind, channel)


# Groups: `actor` / `member` (one person), `names` (a `、`-separated list), `name` (new group name),
# `sender` (whose red packet); `you_member` / `you_actor` mark where the text means the exporting user.
_RULES: tuple[_Rule, ...] = (
    _rule(rf"^{_n('actor')}邀请你和{_n('names')}加入了群聊", EventKind.JOIN, JoinChannel.INVITE),
    _rule(rf"^{_n('actor')}邀请(?P<you_member>你)加入了群聊", EventKind.JOIN, JoinChannel.INVITE),
    _rule(rf"^(?P<you_actor>你)邀请{_n('names')}加入了群聊", EventKind.JOIN, JoinChannel.INVITE),
    _rule(rf"^{_n('actor')}邀请{_n('names')}加入了群聊", EventKind.JOIN, JoinChannel.INVITE),
    _rule(rf"^{_n('member')}通过扫描{_n('actor')}分享的二维码加入群聊", EventKind.JOIN, JoinChannel.QR),
    _rule(rf"^{_n('member')}通过扫描(?P<you_actor>你)分享的二维码加入群聊", EventKind.JOIN, JoinChannel.QR),
    _rule(rf"^(?P<you_member>你)通过扫描{_n('actor')}分享的二维码加入群聊", EventKind.JOIN, JoinChannel.QR),
    _rule(
        r"^(?P<you_actor>You) invited (?P<names>.+?) to the group chat\.?$",
        EventKind.JOIN,
        JoinChannel.INVITE,
    ),
    _rule(
        rf"^{_Q}?(?P<actor>.+?){_Q}? invited {_Q}?(?P<names>.+?){_Q}? to the group chat\.?$",
        EventKind.JOIN,
        JoinChannel.INVITE,
    ),
    _rule(
        rf"^{_n('member')} joined (?:the )?group chat via the QR code (?P<you_actor>you) shared",
        EventKind.JOIN,
        JoinChannel.QR,
    ),
    _rule(
        rf"^{_n('member')} joined (?:the )?group chat via the QR code shared by {_n('actor')}",
        EventKind.JOIN,
        JoinChannel.QR,
    ),
    _rule(rf"^{_Q}?(?P<member>.+?){_Q}?加入了群聊$", EventKind.JOIN, JoinChannel.UNKNOWN),
    _rule(rf"^(?P<you_actor>你)将{_n('names')}移出了群聊", EventKind.REMOVAL),
    _rule(rf"^{_n('actor')}将{_n('names')}移出了群聊", EventKind.REMOVAL),
    _rule(rf"^(?P<you_member>你)被{_n('actor')}移出群聊", EventKind.REMOVAL),
    _rule(r"^(?P<you_actor>You) removed (?P<names>.+?) from the group chat\.?$", EventKind.REMOVAL),
    _rule(rf"^{_Q}?(?P<member>.+?){_Q}?(?:已)?退出了群聊", EventKind.LEAVE),
    _rule(rf"^(?P<you_member>你)(?:修改|改)群名为{_Q}(?P<name>.*){_Q}$", EventKind.RENAME),
    _rule(rf"^{_n('member')}(?:修改|改)群名为{_Q}(?P<name>.*){_Q}$", EventKind.RENAME),
    _rule(rf"^(?P<you_member>You) changed the group name to {_Q}(?P<name>.*){_Q}$", EventKind.RENAME),
    _rule(rf"^{_n('member')} changed the group name to {_Q}(?P<name>.*){_Q}$", EventKind.RENAME),
    _rule(r"^(?P<you_member>你)撤回了一条消息", EventKind.RECALL),
    _rule(rf"^{_Q}?(?P<member>.+?){_Q}? ?撤回了一条消息", EventKind.RECALL),
    _rule(rf"^{_Q}?(?P<member>.+?){_Q}? recalled a message", EventKind.RECALL),
    _rule(r"^(?P<you_member>你)领取了(?P<sender>.+?)的红包", EventKind.RED_PACKET_CLAIMED),
    _rule(r"^(?P<member>.+?)领取了(?P<you_sender>你)的红包", EventKind.RED_PACKET_CLAIMED),
    _rule(r"^(?P<member>.+?)领取了(?P<sender>.+?)的红包", EventKind.RED_PACKET_CLAIMED),
    _rule(
        rf"^(?:(?P<you_member>我|你)|{_Q}?(?P<member>[^\"“”]+?){_Q}?) ?拍了拍 ?"
        rf"{_Q}?(?P<target>[^\"“”]+){_Q}?.*$",
        EventKind.MESSAGE,
    ),
    _rule(rf"^{_Q}?(?P<member>.+?){_Q}?(?:发布|修改)了?群公告", EventKind.ANNOUNCEMENT),
)

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\$(\w+)\$")


def clean_text(text: str) -> str:
    """The readable part of a system message stored as CDATA with a revoke-edit link."""
    text = _CDATA.sub(r"\1", text)
    text = re.sub(r"<a [^>]*>.*?</a>", "", text, flags=re.DOTALL)
    return _TAG.sub("", text).strip()


def render_xml(content: str) -> tuple[str, dict[str, MemberRef]] | None:
    """`<sysmsg type="sysmsgtemplate">` or `type="revokemsg"` as plain text plus the people it names.

    None when the content is not such XML (or is broken XML, which is then read as text).
    """
    start = content.lstrip()
    if not start.startswith("<"):
        return None
    try:
        root = ET.fromstring(start)
    except ET.ParseError:
        return None
    if root.tag != "sysmsg":
        return None
    if root.get("type") == "revokemsg":
        replaced = root.findtext(".//replacemsg") or root.findtext(".//content") or ""
        return clean_text(replaced), {}
    template = root.findtext(".//content_template/template")
    if template is None:
        plain = "".join(root.itertext()).strip()
        return (plain, {}) if plain else None
    people: dict[str, MemberRef] = {}
    values: dict[str, str] = {}
    for link in root.iterfind(".//link_list/link"):
        members = []
        for member in link.iterfind("./memberlist/member"):
            wxid = (member.findtext("username") or "").strip()
            nickname = (member.findtext("nickname") or "").strip() or wxid
            if nickname:
                people[nickname] = MemberRef(nickname, wxid or None)
                members.append(nickname)
        separator = link.findtext("separator") or "、"
        values[link.get("name", "")] = separator.join(members) if members else (link.findtext("title") or "")
    text = _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)
    return clean_text(text), people


def system_events(
    group: GroupRef,
    ts: datetime,
    content: str,
    *,
    you: MemberRef | None = None,
    source_id: str | None = None,
    lookup: Callable[[str], MemberRef] | None = None,
) -> Iterator[Event]:
    """Events of one system message; `you` is the exporting user when known (else the member "你")."""
    rendered = render_xml(content)
    text, people = rendered if rendered is not None else (clean_text(content), {})
    me = you or MemberRef(YOU)

    def person(name: str) -> MemberRef:
        name = name.strip().strip('"“”')
        if name in people:
            return people[name]
        return lookup(name) if lookup is not None else MemberRef(name)

    ids = iter([source_id])
    for rule in _RULES:
        found = rule.pattern.match(text)
        if found is None:
            continue
        values: dict[str, Any] = found.groupdict()
        actor = me if values.get("you_actor") else (person(values["actor"]) if values.get("actor") else None)
        member = (
            me if values.get("you_member") else (person(values["member"]) if values.get("member") else None)
        )
        if rule.kind is EventKind.JOIN:
            invitees = [member] if member is not None else []
            if values.get("names"):
                if "你和" in text[: found.end()]:
                    invitees.append(me)
                invitees += [
                    person(name) for name in re.split(r"、|, | and ", values["names"]) if name.strip()
                ]
            for invitee in invitees:
                yield Event(
                    group,
                    EventKind.JOIN,
                    ts,
                    member=invitee,
                    actor=actor,
                    text=text,
                    source_id=next(ids, None),
                    payload={"channel": rule.channel},
                )
        elif rule.kind is EventKind.REMOVAL:
            removed = [member] if member is not None else [person(n) for n in values["names"].split("、")]
            for person_removed in removed:
                yield Event(
                    group,
                    EventKind.REMOVAL,
                    ts,
                    member=person_removed,
                    actor=actor,
                    text=text,
                    source_id=next(ids, None),
                )
        elif rule.kind is EventKind.RENAME:
            yield Event(
                group,
                EventKind.RENAME,
                ts,
                member=member,
                text=text,
                source_id=source_id,
                payload={"name": values["name"]},
            )
        elif rule.kind is EventKind.RED_PACKET_CLAIMED:
            sender = me if values.get("you_sender") else person(values["sender"])
            yield Event(
                group,
                EventKind.RED_PACKET_CLAIMED,
                ts,
                member=member,
                text=text,
                source_id=source_id,
                payload={"sender": sender.external_id or sender.name},
            )
        elif rule.kind is EventKind.MESSAGE:  # a pat
            yield Event(
                group,
                EventKind.MESSAGE,
                ts,
                member=member,
                content_type=ContentType.PAT,
                text=text,
                source_id=source_id,
                mentions=(person(values["target"]),),
            )
        else:
            yield Event(group, rule.kind, ts, member=member, actor=actor, text=text, source_id=source_id)
        return
    yield Event(group, EventKind.OTHER, ts, text=text, source_id=source_id)
