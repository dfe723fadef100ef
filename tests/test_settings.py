"""Settings: every one documented, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from qunops.settings import Settings, SettingsError, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"QUNOPS_{name.upper()}" not in text]
    assert missing == []


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("QUNOPS_PORT", "eighty", "QUNOPS_PORT"),
        ("QUNOPS_PORT", "70000", "QUNOPS_PORT"),
        ("QUNOPS_TIMEZONE", "Nowhere/City", "unknown timezone"),
        ("QUNOPS_DATABASE_URL", "oracle://x", "unsupported database"),
    ],
)
def test_a_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected) as caught:
        load_settings()
    assert str(caught.value).startswith(variable)
