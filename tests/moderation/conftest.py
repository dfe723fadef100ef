from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPAM_DATA = SHARED / "data" / "spam"


@pytest.fixture
def spam_data() -> Path:
    if not SPAM_DATA.is_dir():
        pytest.skip(f"shared spam datasets not found at {SPAM_DATA}")
    return SPAM_DATA
