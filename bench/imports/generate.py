"""Large synthetic exports for the import benchmark: a WhatsApp TXT and a Telegram Desktop JSON.

They follow the formats as the apps write them (Android 24-hour WhatsApp headers; tdesktop's JSON with
one-space indentation, `text` plus `text_entities`, `date` and `date_unixtime`), with a mix of Chinese and
English text, multi-line messages, replies and media placeholders.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

WORDS = [
    "今天",
    "明天",
    "活动",
    "报名",
    "课程",
    "老师",
    "请问",
    "谢谢",
    "好的",
    "收到",
    "价格",
    "优惠",
    "大家",
    "群里",
    "分享",
    "一下",
    "资料",
    "链接",
    "hello",
    "everyone",
    "thanks",
    "when",
    "where",
    "price",
    "course",
    "share",
    "link",
    "meeting",
    "tomorrow",
    "great",
    "idea",
    "please",
]
NAMES = [f"用户{n}" for n in range(300)] + [f"Member {n}" for n in range(300)]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(4, 18)))


def whatsapp_txt(path: Path, messages: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{start:%d/%m/%Y, %H:%M} - Messages and calls are end-to-end encrypted.\n")
        for n in range(messages):
            at = start + timedelta(seconds=n * 20)
            name = NAMES[rng.randrange(len(NAMES))]
            roll = rng.random()
            if roll < 0.05:
                body = "<Media omitted>"
            elif roll < 0.10:
                body = _text(rng) + "\n" + _text(rng)
            else:
                body = _text(rng)
            out.write(f"{at:%d/%m/%Y, %H:%M} - {name}: {body}\n")
    return path


def telegram_json(path: Path, messages: int, seed: int = 2) -> Path:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    ids = [f"user{100000 + n}" for n in range(len(NAMES))]
    with path.open("wb") as out:
        out.write(b'{\n "name": "Benchmark group",\n "type": "private_supergroup",\n')
        out.write(b' "id": 1234567890,\n "messages": [\n')
        for n in range(messages):
            at = start + timedelta(seconds=n * 20)
            who = rng.randrange(len(NAMES))
            text = _text(rng)
            message: dict[str, object] = {
                "id": n + 1,
                "type": "message",
                "date": at.strftime("%Y-%m-%dT%H:%M:%S"),
                "date_unixtime": str(int(at.timestamp())),
                "from": NAMES[who],
                "from_id": ids[who],
            }
            if n and rng.random() < 0.15:
                message["reply_to_message_id"] = rng.randint(max(1, n - 50), n)
            if rng.random() < 0.05:
                message["photo"] = "(File not included. Change data exporting settings to download.)"
                message["width"], message["height"] = 1280, 960
            message["text"] = text
            message["text_entities"] = [{"type": "plain", "text": text}]
            body = orjson.dumps(message, option=orjson.OPT_INDENT_2).decode()
            # tdesktop indents by one space per level; the messages sit two levels deep.
            body = "\n".join("  " + line.replace("  ", " ") for line in body.splitlines())
            out.write(body.encode())
            out.write(b",\n" if n + 1 < messages else b"\n")
        out.write(b" ]\n}\n")
    return path


QQ_TITLE = "消息记录（此消息记录为文本格式，不支持重新导入）"


def qq_txt_with_joins(path: Path, messages: int, join_every: int = 150, seed: int = 3) -> Path:
    """A QQ message-manager export of one group: one header per message `(QQ number)`, and every
    `join_every`th record a system line announcing a newcomer by card only (`新人00001加入本群`), who then
    speaks among the 50 newest joiners and the 300 regulars, with their QQ number."""
    rng = random.Random(seed)
    rule = "=" * 64
    at = datetime(2023, 1, 1, 8, 0)
    regulars = [(f"老成员{n:04d}", 10_000_000 + n) for n in range(300)]
    newcomers: list[tuple[str, int]] = []
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{QQ_TITLE}\n\n{rule}\n消息分组:我的QQ群\n{rule}\n消息对象:大群\n{rule}\n\n")
        for n in range(messages):
            at += timedelta(seconds=30)
            stamp = f"{at:%Y-%m-%d} {at.hour}:{at:%M:%S}"
            if n % join_every == 0:
                newcomer = (f"新人{len(newcomers):05d}", 20_000_000 + len(newcomers))
                newcomers.append(newcomer)
                out.write(f"{stamp} 系统消息(10000)\n{newcomer[0]}加入本群\n\n")
                continue
            pool = regulars + newcomers[-50:]
            name, number = pool[rng.randrange(len(pool))]
            out.write(f"{stamp} {name}({number})\n{_text(rng)}\n\n")
    return path
