"""What a group talks about, and who talks: top keywords and phrases per group and window, top speakers.

For "what is this group about" and for listening in groups the operator does not own (product.md §10).
Topics are the one analytic that reads raw text, so reading is bounded: at most `max_messages` of the
group's member messages in the window, most recent first, and a capped sample of the workspace's other
groups as the background corpus.

Scoring is TF-IDF with the group as the document: a term's weight is the share of the group's messages
that contain it, times how rare it is among the other groups of the workspace (so "收到", "thanks" and a
community's house phrases sink, and what sets this group apart rises). Where the workspace has too few
other groups to compare with, the rarity comes from jieba's general-Chinese IDF table instead.

Text is cleaned first: placeholders such as [图片] [表情] [Sticker], URLs, @mentions, numbers and emoji are
dropped. Chinese is segmented by jieba; English is lowercased words. Stop words go, and phrases are
adjacent pairs of kept words ("long run", "手冲咖啡"); a word that mostly occurs inside a kept phrase gives
its place to the phrase.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, func, select

from qunops.core.events import EventKind
from qunops.core.time import day_end_us, day_start_us, from_us
from qunops.store.rollups import group_zone
from qunops.store.schema import events, group_days, groups, member_days, members

MAX_MESSAGES = 2_000  # foreground: the group's most recent member messages in the window
BACKGROUND_GROUPS = 40  # the workspace's groups compared against (the most active in the window)
BACKGROUND_MESSAGES = 300  # most recent member messages read per background group
MIN_BACKGROUND_GROUPS = 3  # fewer than this and the general-language IDF is used instead
PHRASE_SHARE = 0.6  # a word whose occurrences are at least this often inside one kept phrase yields to it


@dataclass(frozen=True, slots=True)
class Topic:
    term: str  # a word or a two-word phrase ("手冲咖啡", "long run")
    score: float  # TF-IDF weight; comparable within one call only
    count: int  # member messages in the window (of those read) that contain the term


@dataclass(frozen=True, slots=True)
class ActiveMember:
    member_id: int
    name: str
    messages: int  # messages in the window
    active_days: int  # days in the window with at least one message
    last_message: datetime | None  # UTC


def group_topics(
    connection: Connection,
    group_id: int,
    start_day: date,
    end_day: date,
    k: int = 15,
    max_messages: int = MAX_MESSAGES,
    background: BackgroundCorpus | None = None,
) -> list[Topic]:
    """The group's top `k` keywords and phrases over its local days `start_day`..`end_day` (inclusive).

    `background`: the workspace's corpus for this window, when scoring many groups (`background_corpus`).
    """
    workspace_id = connection.execute(select(groups.c.workspace_id).where(groups.c.id == group_id)).scalar()
    if workspace_id is None:
        return []
    texts = _member_texts(connection, group_id, start_day, end_day, max_messages)
    if not texts:
        return []
    phrases: dict[str, tuple[str, str]] = {}
    counts: Counter[str] = Counter()
    for text in texts:
        words, pairs = _words_and_pairs(text)
        terms = set(words)
        for pair in pairs:
            phrase = _join(*pair)
            phrases[phrase] = pair
            terms.add(phrase)
        counts.update(terms)
    # A term said once is an accident, not a topic (unless the window has only a handful of messages).
    floor = 2 if len(texts) >= 20 else 1
    counts = Counter({term: n for term, n in counts.items() if n >= floor})
    if not counts:
        return []
    if background is None:
        # One more than wanted: the group itself may be among the most active, and never counts.
        background = background_corpus(
            connection, int(workspace_id), start_day, end_day, BACKGROUND_GROUPS + 1
        )
    rarity = background.rarity(group_id)
    scored = sorted(
        ((n / len(texts) * rarity(term, phrases.get(term)), term, n) for term, n in counts.items()),
        key=lambda item: (-item[0], -item[2], item[1]),
    )
    return _prefer_phrases(scored, phrases, k)


def active_members(
    connection: Connection, group_id: int, start_day: date, end_day: date, k: int = 10
) -> list[ActiveMember]:
    """The group's top `k` speakers over the window by messages, from the per-member rollups.

    Bots and the workspace's own operator accounts are left out: the listening view is about the people.
    """
    rows = connection.execute(
        select(
            member_days.c.member_id,
            members.c.display_name,
            func.sum(member_days.c.messages),
            func.count(),
            func.max(member_days.c.last_message_us),
        )
        .join(members, members.c.id == member_days.c.member_id)
        .where(
            member_days.c.group_id == group_id,
            member_days.c.day >= start_day,
            member_days.c.day <= end_day,
            member_days.c.messages > 0,
            members.c.is_bot.is_(False),
            members.c.is_operator.is_(False),
        )
        .group_by(member_days.c.member_id, members.c.display_name)
        .order_by(func.sum(member_days.c.messages).desc(), member_days.c.member_id)
        .limit(k)
    )
    return [
        ActiveMember(
            int(member_id),
            str(name),
            int(messages),
            int(days),
            from_us(int(last)) if last is not None else None,
        )
        for member_id, name, messages, days, last in rows
    ]


# ------------------------------------------------------------------------------------------- text

_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,12}\]")  # [图片] [表情] [动画表情] [Sticker] [强] ...
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|cn|net|org|io|me|ly|co)(?:/\S*)?", re.I
)
_MENTION = re.compile(r"@[^\s@\u2005\u2004,，:：]+")
_ENGLISH = re.compile(r"[a-z][a-z'+#-]*[a-z+#]|[a-z]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORDLIKE = re.compile(r"[A-Za-z\u3400-\u9fff]")
_NUMBER = re.compile(r"[+-]?\d[\d.,:/%]*[A-Za-z]*")  # 42, 3.5, 10:30, 50%, 42km: amounts and units
# Punctuation ends a run of words (no phrase spans it); spaces do not, English phrases need them.
_SPLIT = re.compile(r"[,.!?;:()（）\[\]【】、，。！？；：“”\"‘’…~～/|<>《》\n]+")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ENGLISH_STOP_WORDS = _word_set(
    """a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't
    down during each few for from further get got had hadn't has hasn't have haven't having he her here
    hers herself him himself his how i i'm i've if in into is isn't it it's its itself just let's like me
    more most much my myself no nor not now of off ok okay on once only or other ought our ours ourselves
    out over own really same she should shouldn't so some still such than that that's the their theirs
    them themselves then there there's these they they're this those through to too under until up us
    very was wasn't we we're were weren't what what's when where which while who whom why will with won't
    would wouldn't yeah yes you you're your yours yourself yourselves lol haha hi hey hello thanks thank
    pls please im dont cant thats one two any anyone everyone anything something guys all new good great
    nice know think see want need make go going use used way today tomorrow yesterday"""
)
CHINESE_STOP_WORDS = _word_set(
    """的 了 是 我 你 他 她 它 们 我们 你们 他们 她们 大家 自己 这 那 这个 那个 这些 那些 这样 那样
    这么 那么 什么 怎么 怎么样 为什么 如何 哪个 哪里 吗 呢 吧 啊 呀 哦 嗯 哈 哈哈 哈哈哈 嘿嘿 呵呵
    一下 一个 一些 一点 一般 可以 可能 应该 需要 没有 没 不是 就是 还是 还有 但是 因为 所以 如果
    虽然 而且 然后 或者 以及 已经 现在 今天 明天 昨天 时候 有点 有些 其实 真的 确实 感觉 觉得 知道
    看看 看到 问下 请问 谢谢 感谢 多谢 好的 收到 是的 对的 不错 厉害 辛苦 大佬 老师 群里 群主 各位
    朋友 小伙伴 有人 有没有 之前 之后 以后 最近 一起 一直 还 也 都 就 在 和 与 及 或 被 把 给 让 跟
    多少 从 到 对 向 比 很 太 更 最 又 再 才 只 不 要 会 能 想 去 来 说 做 用 有 上 下 中 里 个 次 点 些
    等 着 过 得 地 么 嘛 啦 哇 呗 诶 欸 哎 吧 哟 哒 捏 滴 一 二 三 第一 分享 大家好 早上好 晚安
    新人"""
)


def message_terms(text: str) -> list[str]:
    """The words and two-word phrases of one message, cleaned (see the module docstring)."""
    words, pairs = _words_and_pairs(text)
    return words + [_join(first, second) for first, second in pairs]


def _words_and_pairs(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    text = _NUMBER.sub(" ", _MENTION.sub(" ", _URL.sub(" ", _PLACEHOLDER.sub(" ", text))))
    words: list[str] = []
    pairs: list[tuple[str, str]] = []
    for chunk in _SPLIT.split(text):
        previous: str | None = None
        for token in _tokens(chunk) if chunk else ():
            if token is not None:
                words.append(token)
                if previous is not None and previous != token:
                    pairs.append((previous, token))
            previous = token
    return words, pairs


def _tokens(chunk: str) -> Iterable[str | None]:
    """Kept words of a chunk in order; None where a dropped word breaks the run (no phrase across it)."""
    if not _CJK.search(chunk):
        for word in _ENGLISH.findall(chunk.lower()):
            yield word if len(word) > 1 and word not in ENGLISH_STOP_WORDS else None
        return
    for piece in _tokenizer().lcut(chunk):
        piece = piece.strip()
        if not piece or not _WORDLIKE.search(piece):
            yield None
        elif _CJK.search(piece):
            yield piece if len(piece) > 1 and piece not in CHINESE_STOP_WORDS else None
        else:
            word = piece.lower()
            yield (
                word
                if len(word) > 1 and word not in ENGLISH_STOP_WORDS and _ENGLISH.fullmatch(word)
                else None
            )


def _join(first: str, second: str) -> str:
    # Chinese words join without a space, as they are written; anything with Latin letters keeps one.
    return first + second if _CJK.search(first[-1]) and _CJK.search(second[0]) else f"{first} {second}"


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    import jieba

    # jieba announces loading its dictionary on stderr at DEBUG level; the library must stay quiet.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=1)
def _general_idf() -> tuple[dict[str, float], float]:
    from jieba.analyse import TFIDF

    _tokenizer()  # quiets jieba's logger before it can speak
    table = TFIDF()
    return dict(table.idf_freq), float(table.median_idf)


# ------------------------------------------------------------------------------------------- corpus


def _member_texts(
    connection: Connection, group_id: int, start_day: date, end_day: date, limit: int
) -> list[str]:
    zone = group_zone(connection, group_id)
    rows = connection.execute(
        select(events.c.text)
        .join(members, members.c.id == events.c.member_id)
        .where(
            events.c.group_id == group_id,
            events.c.kind == str(EventKind.MESSAGE),
            events.c.ts_us >= day_start_us(start_day, zone),
            events.c.ts_us < day_end_us(end_day, zone),
            events.c.text != "",
            members.c.is_bot.is_(False),
            members.c.is_operator.is_(False),
        )
        .order_by(events.c.ts_us.desc())
        .limit(limit)
    )
    return [row[0] for row in rows]


@dataclass(frozen=True)
class BackgroundCorpus:
    """The workspace's groups as documents (the terms of each one's sampled recent messages), for IDF.

    Build it once with `background_corpus` to score many groups of the same window (the listening view);
    a group is never its own background.
    """

    documents: dict[int, frozenset[str]]
    frequency: Counter[str]

    def rarity(self, group_id: int) -> Callable[[str, tuple[str, str] | None], float]:
        """(term, its two words if a phrase) -> IDF among the other groups (smoothed), the group itself
        counted as one more document."""
        own = self.documents.get(group_id, frozenset())
        others = len(self.documents) - (group_id in self.documents)
        if others < MIN_BACKGROUND_GROUPS:
            table, median = _general_idf()

            def general(term: str, parts: tuple[str, str] | None) -> float:
                # A phrase is at least as rare as its rarer word.
                return max(table.get(part, median) for part in (parts or (term,)))

            return general
        documents = others + 1

        def background(term: str, parts: tuple[str, str] | None) -> float:
            del parts  # phrases were counted in the other groups as they are
            elsewhere = self.frequency[term] - (term in own)
            return math.log((1 + documents) / (1 + 1 + elsewhere)) + 1.0

        return background


def background_corpus(
    connection: Connection,
    workspace_id: int,
    start_day: date,
    end_day: date,
    limit: int = BACKGROUND_GROUPS,
    messages_per_group: int = BACKGROUND_MESSAGES,
) -> BackgroundCorpus:
    """The `limit` groups of the workspace with the most member messages in the window, as documents."""
    chosen = [
        row[0]
        for row in connection.execute(
            select(group_days.c.group_id)
            .join(groups, groups.c.id == group_days.c.group_id)
            .where(
                and_(
                    groups.c.workspace_id == workspace_id,
                    group_days.c.day >= start_day,
                    group_days.c.day <= end_day,
                )
            )
            .group_by(group_days.c.group_id)
            .having(func.sum(group_days.c.member_messages) > 0)
            .order_by(func.sum(group_days.c.member_messages).desc(), group_days.c.group_id)
            .limit(limit)
        )
    ]
    documents: dict[int, frozenset[str]] = {}
    frequency: Counter[str] = Counter()
    for group_id in chosen:
        terms: set[str] = set()
        for text in _member_texts(connection, group_id, start_day, end_day, messages_per_group):
            terms.update(message_terms(text))
        documents[group_id] = frozenset(terms)
        frequency.update(terms)
    return BackgroundCorpus(documents, frequency)


def _prefer_phrases(
    scored: list[tuple[float, str, int]], phrases: dict[str, tuple[str, str]], k: int
) -> list[Topic]:
    """The top k, where a word that mostly occurs inside one phrase gives its place to the phrase.

    ("long run" said 9 times says more than "long" and "run" said 9 times each beside it.)
    """
    count = {term: n for _, term, n in scored}
    absorbed = {
        word
        for _, term, n in scored
        if term in phrases
        for word in phrases[term]
        if n >= PHRASE_SHARE * count.get(word, n)
    }
    chosen = [Topic(term, round(score, 6), n) for score, term, n in scored if term not in absorbed]
    return chosen[:k]
