"""The chat platforms qunops knows."""

from __future__ import annotations

from enum import StrEnum


class Platform(StrEnum):
    WECHAT = "wechat"
    WECOM = "wecom"
    QQ = "qq"
    TELEGRAM = "telegram"
    DISCORD = "discord"
    WHATSAPP = "whatsapp"
    OTHER = "other"
