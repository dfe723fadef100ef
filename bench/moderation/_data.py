"""Where the shared datasets live, and loading them for the benchmarks."""

from __future__ import annotations

from pathlib import Path

from qunops.moderation.datasets import (
    Example,
    load_addetector,
    load_sms_collection,
    load_tg_spam,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPAM = SHARED / "data" / "spam"


def require_shared() -> Path:
    if not SPAM.is_dir():
        raise SystemExit(f"shared spam data not found at {SPAM}")
    return SPAM


def datasets() -> dict[str, list[Example]]:
    root = require_shared()
    return {
        "SMS Spam Collection": load_sms_collection(root / "sms-spam-collection" / "SMSSpamCollection"),
        "tg-spam": load_tg_spam(root / "tg-spam"),
        "addetector4j": load_addetector(root / "addetector4j" / "train.txt"),
    }
