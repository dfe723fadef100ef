"""Rendering pages: templates with the context every page needs, and the filters they format with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from qunops.console.i18n import (
    LANGUAGES,
    gettext,
    join_channel_of,
    language_of,
    platform_of,
    sentence_of,
    term_of,
)
from qunops.core.time import from_us_or_none


def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def install(templates: Jinja2Templates) -> None:
    """Register the helpers templates use (translation, formatting, URLs)."""
    env = templates.env
    env.globals["_"] = gettext
    env.globals["sentence"] = sentence_of
    env.globals["languages"] = LANGUAGES
    env.globals["language_of"] = language_of
    env.globals["url_with"] = url_with
    env.filters["translate"] = gettext
    env.filters["term"] = term_of
    env.filters["join_channel"] = join_channel_of
    env.filters["platform"] = platform_of
    env.filters["hours"] = format_hours
    env.filters["local"] = format_local
    env.filters["us_local"] = format_us_local
    env.filters["num"] = format_number
    env.filters["pct"] = format_share


def url_with(path: str, params: dict[str, Any], **changes: Any) -> str:
    """`path` with the query `params` updated by `changes` (empty values dropped), for links and paging."""
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})
    return f"{path}?{query}" if query else path


@pass_context
def format_hours(context: Any, hours: float | None) -> str:
    """A silence as the operator reads it: 40 min, 5 h, 3 d. Days are whole days passed, as the stages
    count them ("no member message for 13 days" is not yet dead at 14), never rounded up."""
    if hours is None:
        return "—"
    zh = language_of(context["request"]) == "zh"
    if hours < 1:
        return f"{hours * 60:.0f} 分钟" if zh else f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.0f} 小时" if zh else f"{hours:.0f} h"
    days = int(hours // 24)
    return f"{days} 天" if zh else f"{days} d"


def format_local(moment: datetime | date | None, zone: str = "UTC", with_time: bool = True) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, datetime):
        local = moment.astimezone(ZoneInfo(zone))
        return local.strftime("%Y-%m-%d %H:%M") if with_time else local.strftime("%Y-%m-%d")
    return moment.isoformat()


def format_us_local(us: int | None, zone: str = "UTC", with_time: bool = True) -> str:
    """Epoch microseconds (how the store keeps times) in the given timezone."""
    return format_local(from_us_or_none(us), zone, with_time)


def format_number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def format_share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
