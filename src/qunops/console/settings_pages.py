"""Settings: the workspace's users and roles, its timezone and thresholds (admins change; others read)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from qunops.console import queries
from qunops.console.auth import CurrentViewer, FormAdmin, FormUser, Viewer, engine_of, session_token
from qunops.console.data import forget_summaries
from qunops.console.i18n import LANGUAGES
from qunops.console.pages import UserId
from qunops.console.render import page
from qunops.console.state import (
    ConsoleError,
    parse_thresholds,
    remove_user,
    save_workspace_settings,
    set_role,
    threshold_fields,
    user_id_by_name,
    workspace_thresholds,
)
from qunops.core.registry import WorkspaceRole
from qunops.core.texts import Text, recognised
from qunops.store.accounts import AccountError, create_user, grant, password_is, set_password
from qunops.store.rollups import fill_rollups

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

# Every threshold of `core.thresholds.Thresholds` by section, with the label the settings page gives it
# (units spelled out; the Chinese is in `console/i18n.py`).
THRESHOLD_SECTIONS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "Active days and answers",
        {
            "active_day_messages": "Active day: member messages (at least)",
            "active_day_speakers": "Active day: members who spoke (at least)",
            "new_member_days": "A member is new for (days)",
            "answer_window_s": "Answer window (seconds)",
            "answer_follow_s": "A message soon after a question answers it (seconds)",
            "red_packet_claim_window_s": "Red packet claim window (seconds)",
        },
    ),
    (
        "Measuring windows",
        {
            "week_days": "Week window (days)",
            "speaker_window_days": "Speaker ratio window (days)",
            "responsiveness_days": "Responsiveness window (days)",
            "red_packet_days": "Red packet window (days)",
            "long_lurker_days": "Long-term lurker after (days)",
        },
    ),
    (
        "Silence and lifecycle",
        {
            "silence_alert_hours": "Silence alert after (hours)",
            "quiet_hours_start": "Quiet hours start (hour, 0–23)",
            "quiet_hours_end": "Quiet hours end (hour, 0–23)",
            "dead_days": "Dead after silence of (days)",
            "dormant_days": "Dormant after silence of (days)",
            "launching_days": "Launching for (days)",
            "thriving_wad": "Thriving: weekly active days (at least)",
            "steady_wad": "Steady: weekly active days (at least)",
            "cooling_wad": "Cooling: weekly active days (at most)",
            "cooling_drop": "Cooling: week-on-week drop in messages (share)",
        },
    ),
    (
        "Members and roles",
        {
            "lurker_days": "Lurker after silence of (days)",
            "core_active_days": "Core: active days (at least)",
            "core_window_days": "Core: counted over (days)",
            "regular_active_days": "Regular: active days (at least)",
            "regular_window_days": "Regular: counted over (days)",
            "slipping_silent_min_days": "Slipping: silent for at least (days)",
            "slipping_silent_max_days": "Slipping: silent for at most (days)",
            "answerer_answers": "Answerer: questions answered (at least)",
            "opinion_leader_share": "Opinion leaders: top share of members",
            "opinion_leader_min_received": "Opinion leader: replies and mentions received (at least)",
            "concentration_top_share": "Concentration: top share of speakers",
        },
    ),
    (
        "Role-structure checks",
        {
            "officials_per_100_members": "Official accounts per 100 members (at most)",
            "young_group_days": "Young group: younger than (days)",
            "young_group_active_members": "Young group: fewer active members than",
            "opinion_leader_group_members": "Opinion leader needed above (members)",
        },
    ),
    (
        "Alerts",
        {
            "leave_wave_share": "Leave wave: share of members leaving in 24 hours",
            "leave_wave_min_leaves": "Leave wave: members leaving (at least)",
            "spam_burst_flagged": "Spam burst: flagged messages in a day",
            "newcomers_silent_joins": "Silent newcomers: joins in a week (at least)",
            "red_packet_min_gap_days": "Red packet suggested after (days without one)",
            "fading_group_age_days": "Fading group: age (days, at least)",
        },
    ),
    (
        "Health score",
        {
            "health_weight_wad": "Weight of weekly active days (points)",
            "health_weight_messages": "Weight of messages per active day (points)",
            "health_weight_speakers": "Weight of the speaker ratio (points)",
            "health_weight_newcomers": "Weight of new-member speakers (points)",
            "health_weight_responsiveness": "Weight of responsiveness (points)",
            "health_weight_silence": "Weight of silence (points)",
            "health_half_messages": "Half the points at (messages per active day)",
            "health_half_speaker_ratio": "Half the points at (speaker ratio)",
            "health_half_newcomers": "Half the points at (new-member speakers per active day)",
            "health_half_silence_hours": "Half the points at (hours of silence)",
        },
    ),
)


@dataclass(frozen=True, slots=True)
class ThresholdField:
    name: str
    label: str
    kind: type
    default: Any


def threshold_sections() -> list[tuple[str, list[ThresholdField]]]:
    """The settings page's thresholds: (section title, its fields), in `THRESHOLD_SECTIONS`' order. A
    threshold no section names yet shows at the end under its field name."""
    fields = {name: (kind, default) for name, kind, default in threshold_fields()}
    sections = [
        (title, [ThresholdField(name, label, *fields.pop(name)) for name, label in labels.items()])
        for title, labels in THRESHOLD_SECTIONS
    ]
    if fields:
        sections[-1][1].extend(
            ThresholdField(n, n.replace("_", " "), kind, default) for n, (kind, default) in fields.items()
        )
    return sections


@router.get("/settings", response_class=HTMLResponse)
def settings(request: Request, viewer: CurrentViewer, saved: str = "") -> HTMLResponse:
    return _settings_page(request, viewer, saved=saved)


@router.post("/settings/workspace", response_model=None)
async def save_workspace(request: Request, viewer: FormAdmin) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    overrides, errors = parse_thresholds(form)
    timezone = form.get("timezone", "").strip()
    language = form.get("language", "").strip() or None
    moved = False
    if not errors:
        try:
            with engine_of(request).begin() as connection:
                moved = save_workspace_settings(
                    connection, viewer.workspace.workspace_id, viewer.user_id, timezone, overrides, language
                )
        except ConsoleError as exc:
            errors[exc.field or "timezone"] = exc.message
    if errors:
        return _settings_page(request, viewer, errors=errors, submitted=form, status=400)
    if moved:
        # Days are the new zone's: the rollups are recomputed in the background (seconds to a minute).
        threading.Thread(target=_refill, args=(engine_of(request),), name="refill", daemon=True).start()
    forget_summaries()
    return RedirectResponse("/settings?saved=workspace#workspace", status_code=303)


def _refill(engine: Engine) -> None:
    try:
        fill_rollups(engine)
    except Exception:  # the next import's fill takes it up again; the page must not break meanwhile
        log.exception("recomputing the rollups after a timezone change failed")
    forget_summaries()


@router.post("/settings/users", response_model=None)
def add_user(
    request: Request,
    viewer: FormAdmin,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
) -> Response:
    """Add a user to the workspace: an existing account by name, or a new one with its password."""
    workspace_id = viewer.workspace.workspace_id
    chosen = _role(role)
    username = username.strip()
    try:
        with engine_of(request).begin() as connection:
            existing = user_id_by_name(connection, username)
            if existing is not None:
                if any(u.id == existing for u in queries.workspace_user_list(connection, workspace_id)):
                    raise AccountError(f"{username} is in this workspace already; change their role below.")
                user_id = existing
            else:
                user_id = create_user(connection, username, password)
            grant(connection, workspace_id, user_id, chosen)
    except AccountError as exc:
        message = str(exc)
        shown = recognised(message[:1].upper() + message[1:], _account_errors(username))
        return _settings_page(request, viewer, user_error=shown, status=400)
    return RedirectResponse("/settings?saved=users#users", status_code=303)


@router.post("/settings/users/{user_id}/role", response_model=None)
def change_role(
    request: Request, viewer: FormAdmin, user_id: UserId, role: Annotated[str, Form()] = ""
) -> Response:
    try:
        with engine_of(request).begin() as connection:
            set_role(connection, viewer.workspace.workspace_id, user_id, _role(role))
    except ConsoleError as exc:
        return _settings_page(request, viewer, user_error=exc.message, status=400)
    return RedirectResponse("/settings?saved=users#users", status_code=303)


@router.post("/settings/users/{user_id}/remove", response_model=None)
def remove(request: Request, viewer: FormAdmin, user_id: UserId) -> Response:
    try:
        with engine_of(request).begin() as connection:
            # An admin who leaves keeps this login (to see their other workspaces); the others end.
            own = session_token(request) if user_id == viewer.user_id else None
            remove_user(connection, viewer.workspace.workspace_id, user_id, keep_session=own)
    except ConsoleError as exc:
        return _settings_page(request, viewer, user_error=exc.message, status=400)
    if user_id == viewer.user_id:  # an admin who leaves the workspace cannot see it any more
        return RedirectResponse("/", status_code=303)
    return RedirectResponse("/settings?saved=users#users", status_code=303)


@router.post("/settings/password", response_model=None)
def change_password(
    request: Request,
    viewer: FormUser,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    repeated_password: Annotated[str, Form()] = "",
) -> Response:
    """Anyone logged in changes their own password; their logins in other browsers end, this one stays."""
    try:
        if new_password != repeated_password:
            raise ConsoleError(Text("The new password and its repetition differ."))
        with engine_of(request).begin() as connection:
            if not password_is(connection, viewer.user_id, current_password):
                raise ConsoleError(Text("The current password is wrong."))
            set_password(connection, viewer.user_id, new_password, keep_session=session_token(request))
    except ConsoleError as exc:
        return _settings_page(request, viewer, password_error=exc.message, status=400)
    except AccountError as exc:
        message = str(exc)
        shown = recognised(message[:1].upper() + message[1:], _account_errors(""))
        return _settings_page(request, viewer, password_error=shown, status=400)
    return RedirectResponse("/settings?saved=password#password", status_code=303)


def _account_errors(username: str) -> tuple[Text, ...]:
    """What adding `username` can fail with, as the page shows it (capitalised), to be translated."""
    name = username[:1].upper() + username[1:]
    return (
        Text("A username has 1 to 64 characters"),
        Text("A password has at least 8 characters"),
        Text("User {username!r} exists already", username=username),
        Text("{name} is in this workspace already; change their role below.", name=name),
    )


def _role(value: str) -> WorkspaceRole:
    try:
        return WorkspaceRole(value)
    except ValueError:
        raise HTTPException(400, Text("A role is admin, operator or viewer.")) from None


def _settings_page(
    request: Request,
    viewer: Viewer,
    *,
    saved: str = "",
    errors: dict[str, str] | None = None,
    submitted: dict[str, str] | None = None,
    user_error: str = "",
    password_error: str = "",
    status: int = 200,
) -> HTMLResponse:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        users = queries.workspace_user_list(connection, workspace_id)
        thresholds = workspace_thresholds(connection, workspace_id)
        zone = queries.workspace_timezone(connection, workspace_id)
    values: dict[str, Any] = {name: getattr(thresholds, name) for name, _, _ in threshold_fields()}
    if submitted:
        values.update({name: submitted.get(name, "") for name in values})
    context = {
        "user": viewer,
        "users": users,
        "roles": [str(r) for r in WorkspaceRole],
        "sections": threshold_sections(),
        "values": values,
        "timezone": submitted.get("timezone", zone) if submitted else zone,
        "language": submitted.get("language", "") if submitted else (viewer.workspace.language or ""),
        "languages": LANGUAGES,
        "errors": errors or {},
        "user_error": user_error,
        "password_error": password_error,
        "saved": saved,
    }
    return page(request, "settings.html", context, status=status)
