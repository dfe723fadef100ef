"""UTC inside: conversions between aware datetimes, epoch microseconds and a group's local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no float rounding)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


def local_day(value_us: int, zone: ZoneInfo) -> date:
    return from_us(value_us).astimezone(zone).date()


def day_start_us(day: date, zone: ZoneInfo) -> int:
    """The first microsecond of a local calendar day, as UTC epoch microseconds."""
    return to_us(datetime.combine(day, time(), tzinfo=zone))


def day_end_us(day: date, zone: ZoneInfo) -> int:
    """Midnight at the end of a local day (exclusive bound)."""
    return day_start_us(day + timedelta(days=1), zone)


def utcnow() -> datetime:
    return datetime.now(UTC)


def from_us_or_none(value: int | None) -> datetime | None:
    return None if value is None else from_us(value)
