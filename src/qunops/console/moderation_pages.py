"""Moderation in the console: the review queue, cases with their evidence, appeals, rules per group, a
member's penalty history, recommended actions, and the member-facing appeal page behind a secret link.

Viewers read; operators and admins act. Every route is scoped to the viewer's workspace (a case, appeal
or group of another workspace is "not found"). The appeal page needs no login: its secret token is the
key, it is CSRF-protected through the anonymous session and rate-limited per address and per link.
Actions go through `app.state.action_ports` when a gateway set one up; otherwise every group is treated
as known only from exports and actions become recommendations.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection, select

from qunops.actions import (
    EXPORT_ONLY,
    ActionError,
    ActionState,
    Actor,
    Ports,
    audit_entries,
    mark_recommendation,
)
from qunops.console import i18n
from qunops.console.auth import ApiEditor, CurrentViewer, FormEditor, Viewer, engine_of
from qunops.console.pages import ROW_ID_MAX, MemberId
from qunops.console.render import page
from qunops.console.security import csrf_ok
from qunops.core.texts import Text, recognised
from qunops.core.time import utcnow
from qunops.moderation import service, store
from qunops.moderation.service import DETECTORS, ModerationError, NotFound
from qunops.store.schema import actions, groups, members

router = APIRouter()

REVIEW_STATES = ("pending", "confirmed", "overturned")
APPEAL_STATES = ("filed", "open", "upheld", "rejected", "closed", "all")
ACTION_STATES = ("recommended", "done", "failed", "withdrawn", "all")

# Ids of rows with an `Integer` id (32 bits on PostgreSQL): a larger one names no row, and asking the
# database for it would fail (a server error), not find nothing.
CaseId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The case's id.")]
AppealId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The appeal's id.")]
ActionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The action's id.")]


# The code's names of actions and audited steps as the pages say them ("context|words": `_()` shows the
# words in English and the context's own entry in Chinese); a name not here is shown as it is.
ACTION_LABELS = {
    "send_message": "action|group message",
    "warn_privately": "action|private warning",
    "mute": "action|mute",
    "unmute": "action|unmute",
    "remove": "action|removal from the group",
    "blacklist": "action|blacklist",
    "unblacklist": "action|removal from the blacklist",
    "approve_join": "action|join request approved",
    "reject_join": "action|join request rejected",
    "create_invite_link": "action|invite link",
}
AUDIT_LABELS = {
    "case.open": "audit|case opened",
    "case.evidence": "audit|evidence added",
    "case.confirm": "audit|confirmed",
    "case.overturn": "audit|overturned",
    "penalty.apply": "audit|penalty applied",
    "penalty.lift": "audit|penalty lifted",
    "appeal.file": "audit|appeal filed",
    "appeal.uphold": "audit|appeal upheld",
    "appeal.reject": "audit|appeal rejected",
}


def actor_label(label: str) -> str:
    """Who asked, as `Actor.label` stored it, for people: a console user's name (data), or moderation's
    words for the system and for a member who appealed (`Text`s, translated where a page shows them)."""
    kind, _, name = label.partition(":")
    if kind == "user" and name:
        return name
    if kind == "system" and name:
        return Text("moderation (automatic)") if name == "moderation" else Text("automatic ({job})", job=name)
    if kind == "member":
        return Text("the member")
    return label


# --- helpers -------------------------------------------------------------------------------------------


def _actor(viewer: Viewer) -> Actor:
    return Actor.user(viewer.user_id, viewer.username)


def _ports(request: Request) -> Ports:
    ports = getattr(request.app.state, "action_ports", None)
    return ports if isinstance(ports, Ports) else EXPORT_ONLY


def _link_base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


RULES_FIELDS = frozenset({"rules_text", "settings"})  # what the rules API takes


def _text(body: Mapping[str, Any], name: str) -> str:
    """A text field of a JSON body: absent or null is empty (the operation then says what is missing);
    anything but a string is refused, never turned into one ("None", "['a', 'b']")."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise HTTPException(422, f"{name}: a text (a JSON string), not {_json_kind(value)}")
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def _fail(exc: ModerationError | ActionError) -> HTTPException:
    # What the user did wrong, as one sentence; not-found stays 404 so other workspaces' ids reveal nothing.
    message = exc.message if isinstance(exc, ModerationError) else str(exc)
    return HTTPException(404 if isinstance(exc, NotFound) else 400, message)


def _zone(connection: Connection, workspace_id: int) -> str:
    from qunops.console.queries import workspace_timezone

    return workspace_timezone(connection, workspace_id)


def _case_json(case: store.CaseRow) -> dict[str, Any]:
    return {
        "id": case.id,
        "member_id": case.member_id,
        "member": case.member_name,
        "group_id": case.group_id,
        "group": case.group_name,
        "categories": case.categories,
        "summary": case.summary,
        "multi_account": case.multi_account,
        "opened_us": case.opened_us,
        "state": case.state,
        "reviewer": case.reviewer,
        "review_reason": case.review_reason,
        "decided_us": case.decided_us,
    }


def _evidence_json(item: store.Evidence) -> dict[str, Any]:
    return {
        "event_id": item.event_id,
        "group_id": item.group_id,
        "group": item.group_name,
        "ts_us": item.ts_us,
        "text": item.text,
        "score": item.score,
        "categories": item.categories,
        "findings": item.findings,
        "spam_probability": item.spam_probability,
        "features": item.features,
        "reasons": item.reasons,
    }


def _penalty_json(row: store.PenaltyRow) -> dict[str, Any]:
    p = row.penalty
    return {
        "id": row.id,
        "case_id": row.case_id,
        "step": p.step,
        "kind": p.kind.value,
        "starts": p.issued_at.isoformat(),
        "ends": p.until.isoformat() if p.until else None,
        "private": p.private,
        "lifted": p.lifted_at.isoformat() if p.lifted_at else None,
        "explanation": row.explanation,
        "issued_by": row.issued_by,
    }


def _appeal_json(appeal: store.AppealRow) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "case_id": appeal.case_id,
        "member_id": appeal.member_id,
        "member": appeal.member_name,
        "state": appeal.state,
        "statement": appeal.statement,
        "filed_us": appeal.filed_us,
        "decision_reason": appeal.decision_reason,
        "decided_by": appeal.decided_by,
        "decided_us": appeal.decided_us,
    }


def _case_detail(connection: Connection, workspace_id: int, case_id: int) -> dict[str, Any]:
    case = store.case_row(connection, workspace_id, case_id)
    if case is None:
        raise HTTPException(404, Text("No such case in this workspace."))
    history = store.penalty_history(connection, workspace_id, case.member_id)
    penalties = [p for p in history if p.case_id == case_id]
    appeal = store.appeal_for_case(connection, case_id)
    # Sentences moderation wrote beside the case, to recognise in its review and audit log.
    written = [
        case.summary,
        *(p.explanation for p in penalties),
        *service.AUDIT_REASONS,
    ]
    if appeal is not None and appeal.decision_reason:
        written.append(service.upheld_review(appeal.decision_reason))
    texts = [t for t in written if isinstance(t, Text)]
    audit = [
        {
            **entry,
            "reason": recognised(entry["reason"], texts),
            "label": AUDIT_LABELS.get(entry["action"], entry["action"]),
            "who": actor_label(entry["actor"]),
        }
        for entry in audit_entries(connection, workspace_id, f"case:{case_id}", limit=50)
    ]
    return {
        "case": case,
        "review_reason": recognised(case.review_reason or "", texts),
        "evidence": store.case_evidence(connection, case_id),
        "penalties": penalties,
        "appeal": appeal,
        "audit": audit,
    }


# --- the review queue and cases --------------------------------------------------------------------


@router.get("/moderation", response_class=HTMLResponse, include_in_schema=False)
def review_queue(request: Request, viewer: CurrentViewer, state: str = "pending") -> HTMLResponse:
    chosen = state if state in REVIEW_STATES else "pending"
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        items = store.cases(connection, workspace_id, chosen)
        counts = store.queue_counts(connection, workspace_id)
        zone = _zone(connection, workspace_id)
    context = {"user": viewer, "items": items, "state": chosen, "states": REVIEW_STATES, "counts": counts}
    return page(request, "moderation/queue.html", {**context, "zone": zone})


@router.get("/moderation/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(request: Request, viewer: CurrentViewer, case_id: CaseId) -> HTMLResponse:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        detail = _case_detail(connection, workspace_id, case_id)
        zone = _zone(connection, workspace_id)
    return page(request, "moderation/case.html", {**detail, "user": viewer, "zone": zone})


@router.post("/moderation/cases/{case_id}/review", include_in_schema=False, response_model=None)
def review_form(
    request: Request,
    viewer: FormEditor,
    case_id: CaseId,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    _review(request, viewer, case_id, decision, reason)
    return RedirectResponse(f"/moderation/cases/{case_id}", status_code=303)


@router.get("/api/moderation/queue")
def queue_api(request: Request, viewer: CurrentViewer, state: str = "pending") -> dict[str, Any]:
    if state not in REVIEW_STATES:
        raise HTTPException(422, f"state: one of {', '.join(REVIEW_STATES)}")
    with engine_of(request).connect() as connection:
        items = store.cases(connection, viewer.workspace.workspace_id, state)
        counts = store.queue_counts(connection, viewer.workspace.workspace_id)
    return {"state": state, "counts": counts, "cases": [_case_json(c) for c in items]}


@router.get("/api/moderation/cases/{case_id}")
def case_api(request: Request, viewer: CurrentViewer, case_id: CaseId) -> dict[str, Any]:
    with engine_of(request).connect() as connection:
        detail = _case_detail(connection, viewer.workspace.workspace_id, case_id)
    appeal = detail["appeal"]
    return {
        **_case_json(detail["case"]),
        "evidence": [_evidence_json(e) for e in detail["evidence"]],
        "penalties": [_penalty_json(p) for p in detail["penalties"]],
        "appeal": _appeal_json(appeal) if appeal is not None else None,
    }


@router.post("/api/moderation/cases/{case_id}/review")
def review_api(
    request: Request, viewer: ApiEditor, case_id: CaseId, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    state = _review(request, viewer, case_id, _text(body, "decision"), _text(body, "reason"))
    return {"case_id": case_id, "state": state}


def _review(request: Request, viewer: Viewer, case_id: int, decision: str, reason: str) -> str:
    with engine_of(request).begin() as connection:
        try:
            return service.review(
                connection,
                viewer.workspace.workspace_id,
                case_id,
                decision,
                _actor(viewer),
                reason,
                utcnow(),
                _ports(request),
                link_base=_link_base(request),
            )
        except ModerationError as exc:
            raise _fail(exc) from None


# --- appeals (operators) ---------------------------------------------------------------------------


@router.get("/moderation/appeals", response_class=HTMLResponse, include_in_schema=False)
def appeals_page(request: Request, viewer: CurrentViewer, state: str = "filed") -> HTMLResponse:
    chosen = state if state in APPEAL_STATES else "filed"
    with engine_of(request).connect() as connection:
        items = store.appeal_list(
            connection, viewer.workspace.workspace_id, None if chosen == "all" else chosen
        )
        zone = _zone(connection, viewer.workspace.workspace_id)
    context = {"user": viewer, "items": items, "state": chosen, "states": APPEAL_STATES, "zone": zone}
    return page(request, "moderation/appeals.html", context)


@router.post("/moderation/appeals/{appeal_id}/decide", include_in_schema=False, response_model=None)
def decide_form(
    request: Request,
    viewer: FormEditor,
    appeal_id: AppealId,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    _decide(request, viewer, appeal_id, decision, reason)
    return RedirectResponse("/moderation/appeals?state=all", status_code=303)


@router.get("/api/moderation/appeals")
def appeals_api(request: Request, viewer: CurrentViewer, state: str = "all") -> list[dict[str, Any]]:
    if state not in APPEAL_STATES:
        raise HTTPException(422, f"state: one of {', '.join(APPEAL_STATES)}")
    with engine_of(request).connect() as connection:
        items = store.appeal_list(
            connection, viewer.workspace.workspace_id, None if state == "all" else state
        )
    return [_appeal_json(a) for a in items]


@router.post("/api/moderation/appeals/{appeal_id}/decide")
def decide_api(
    request: Request, viewer: ApiEditor, appeal_id: AppealId, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    state = _decide(request, viewer, appeal_id, _text(body, "decision"), _text(body, "reason"))
    return {"appeal_id": appeal_id, "state": state}


def _decide(request: Request, viewer: Viewer, appeal_id: int, decision: str, reason: str) -> str:
    with engine_of(request).begin() as connection:
        try:
            return service.decide_appeal(
                connection,
                viewer.workspace.workspace_id,
                appeal_id,
                decision,
                _actor(viewer),
                reason,
                utcnow(),
                _ports(request),
            )
        except ModerationError as exc:
            raise _fail(exc) from None


# --- rules -----------------------------------------------------------------------------------------


def _scope(connection: Connection, workspace_id: int, scope: str) -> tuple[int | None, str]:
    """("workspace" → None) or a group id of this workspace, with a name to show."""
    if scope == "workspace":
        return None, Text("All groups (workspace defaults)")
    if not scope.isdigit():
        raise HTTPException(404, Text("No such group in this workspace."))
    row = store.group_in_workspace(connection, workspace_id, int(scope))
    if row is None:
        raise HTTPException(404, Text("No such group in this workspace."))
    return int(scope), str(row.name)


@router.get("/moderation/rules", response_class=HTMLResponse, include_in_schema=False)
def rules_list(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        rows = store.rules_rows(connection, workspace_id)
        group_list = store.workspace_groups(connection, workspace_id)
    return page(
        request, "moderation/rules_list.html", {"user": viewer, "groups": group_list, "own": set(rows)}
    )


@router.get("/moderation/rules/{scope}", response_class=HTMLResponse, include_in_schema=False)
def rules_page(request: Request, viewer: CurrentViewer, scope: str, saved: bool = False) -> HTMLResponse:
    with engine_of(request).connect() as connection:
        group_id, name = _scope(connection, viewer.workspace.workspace_id, scope)
        rules = service.rules_for(connection, viewer.workspace.workspace_id, group_id)
    return _rules_response(
        request, viewer, scope, name, rules.rules_text, rules.settings.as_json(), rules.own, saved
    )


def _rules_response(
    request: Request,
    viewer: Viewer,
    scope: str,
    name: str,
    text: str,
    settings: Mapping[str, Any],
    own: bool,
    saved: bool = False,
    error: str | None = None,
) -> HTMLResponse:
    context = {
        "user": viewer,
        "scope": scope,
        "name": name,
        "rules_text": text,
        "settings": settings,
        "own": own,
        "detectors": DETECTORS,
        "saved": saved,
        "error": error,
    }
    return page(request, "moderation/rules.html", context, status=400 if error else 200)


@router.post("/moderation/rules/{scope}", include_in_schema=False, response_model=None)
async def rules_save(request: Request, viewer: FormEditor, scope: str) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    settings: dict[str, Any] = {
        "detectors": {name: f"detector_{name}" in fields for name in DETECTORS},
        "blocked_keywords": _lines(fields.get("blocked_keywords", "")),
        "allowed_domains": _lines(fields.get("allowed_domains", "")),
        "auto_penalty": "auto_penalty" in fields,
        "private_warnings": "private_warnings" in fields,
    }
    for name in ("flag_at", "flood_limit", "mention_limit", "newcomer_hours"):
        if fields.get(name, "").strip():
            settings[name] = fields[name].strip()
    text = fields.get("rules_text", "")
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).begin() as connection:
        group_id, name = _scope(connection, workspace_id, scope)
        try:
            if group_id is not None:
                # A group's form shows the merged lists: store only what the group adds to the workspace's.
                base = service.rules_for(connection, workspace_id, None).settings
                settings["blocked_keywords"] = [
                    k for k in settings["blocked_keywords"] if k not in base.blocked_keywords
                ]
                settings["allowed_domains"] = [
                    d for d in settings["allowed_domains"] if d not in base.allowed_domains
                ]
            service.update_rules(connection, workspace_id, group_id, text, settings, _actor(viewer), utcnow())
        except ModerationError as exc:
            return _rules_response(
                request, viewer, scope, name, text, settings, group_id is not None, error=str(exc)
            )
    return RedirectResponse(f"/moderation/rules/{scope}?saved=1", status_code=303)


@router.get("/api/moderation/rules/{scope}")
def rules_api(request: Request, viewer: CurrentViewer, scope: str) -> dict[str, Any]:
    with engine_of(request).connect() as connection:
        group_id, name = _scope(connection, viewer.workspace.workspace_id, scope)
        rules = service.rules_for(connection, viewer.workspace.workspace_id, group_id)
    return {
        "scope": scope,
        "name": name,
        "own": rules.own,
        "rules_text": rules.rules_text,
        "settings": rules.settings.as_json(),
    }


@router.put("/api/moderation/rules/{scope}")
def rules_put_api(
    request: Request, viewer: ApiEditor, scope: str, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    unknown = sorted(set(body) - RULES_FIELDS)
    if unknown:
        raise HTTPException(
            400,
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(RULES_FIELDS))})",
        )
    settings = body.get("settings", {})
    if not isinstance(settings, dict):
        raise HTTPException(422, f"settings: an object, not {_json_kind(settings)}")
    rules_text = _text(body, "rules_text")
    with engine_of(request).begin() as connection:
        group_id, name = _scope(connection, viewer.workspace.workspace_id, scope)
        try:
            rules = service.update_rules(
                connection,
                viewer.workspace.workspace_id,
                group_id,
                rules_text,
                settings,
                _actor(viewer),
                utcnow(),
            )
        except ModerationError as exc:
            raise _fail(exc) from None
    return {
        "scope": scope,
        "name": name,
        "own": rules.own,
        "rules_text": rules.rules_text,
        "settings": rules.settings.as_json(),
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


# --- a member's penalties ----------------------------------------------------------------------------


def _member_penalties(connection: Connection, workspace_id: int, member_id: int) -> service.Standing:
    try:
        return service.member_standing(connection, workspace_id, member_id, utcnow())
    except NotFound:
        raise HTTPException(404, Text("No such member in this workspace.")) from None


@router.get("/members/{member_id}/penalties", response_class=HTMLResponse, include_in_schema=False)
def member_penalties(request: Request, viewer: CurrentViewer, member_id: MemberId) -> HTMLResponse:
    """A fragment for the member page: the ladder step, active penalties and the history with cases."""
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        standing = _member_penalties(connection, workspace_id, member_id)
        case_list = store.cases(connection, workspace_id, member_id=member_id)
        zone = _zone(connection, workspace_id)
    context = {"user": viewer, "standing": standing, "cases": case_list, "zone": zone, "member_id": member_id}
    return page(request, "moderation/_penalties.html", context)


@router.get("/api/moderation/members/{member_id}/penalties")
def member_penalties_api(request: Request, viewer: CurrentViewer, member_id: MemberId) -> dict[str, Any]:
    with engine_of(request).connect() as connection:
        standing = _member_penalties(connection, viewer.workspace.workspace_id, member_id)
    return {
        "member_id": member_id,
        # The ladder's steps as a penalty's "step" numbers them (0: a warning); none while nothing counts.
        "step": standing.step if standing.step >= 0 else None,
        "next_step": standing.next_step,
        "next_penalty": standing.next_penalty,
        "blacklisted": standing.blacklisted,
        "penalties": [_penalty_json(p) for p in standing.history],
    }


# --- recommended actions ----------------------------------------------------------------------------


def _action_rows(connection: Connection, workspace_id: int, state: str) -> list[dict[str, Any]]:
    query = (
        select(actions, groups.c.name.label("group_name"), members.c.display_name)
        .outerjoin(groups, groups.c.id == actions.c.group_id)
        .outerjoin(members, members.c.id == actions.c.member_id)
        .where(actions.c.workspace_id == workspace_id)
    )
    if state != "all":
        query = query.where(actions.c.state == state)
    return [dict(r) for r in connection.execute(query.order_by(actions.c.id.desc()).limit(300)).mappings()]


@router.get("/moderation/actions", response_class=HTMLResponse, include_in_schema=False)
def actions_page(request: Request, viewer: CurrentViewer, state: str = "recommended") -> HTMLResponse:
    chosen = state if state in ACTION_STATES else "recommended"
    with engine_of(request).connect() as connection:
        rows = _action_rows(connection, viewer.workspace.workspace_id, chosen)
        zone = _zone(connection, viewer.workspace.workspace_id)
        # A penalty's actions carry its explanation as their reason: recognised, it reads translated.
        explained = [
            p.explanation
            for member_id in {r["member_id"] for r in rows if r["member_id"] is not None}
            for p in store.penalty_history(connection, viewer.workspace.workspace_id, member_id)
            if isinstance(p.explanation, Text)
        ]
        rows = [
            {
                **r,
                "reason": recognised(r["reason"], explained),
                "words": _words(r["parameters"]),
                "note": _note(r["error"]),
                "label": ACTION_LABELS.get(r["kind"], r["kind"]),
                "who": actor_label(r["requested_by"]),
            }
            for r in rows
        ]
    context = {"user": viewer, "items": rows, "state": chosen, "states": ACTION_STATES, "zone": zone}
    return page(request, "moderation/actions.html", context)


def _words(parameters: Any) -> str | None:
    """What an action says to members, as the `Text` its template and values rebuild when they rebuild
    exactly the stored English (the operator who sends a recommendation reads it in their language)."""
    if not isinstance(parameters, dict) or not parameters.get("text"):
        return None
    stored = str(parameters["text"])
    text = Text.from_json(parameters.get("text_template"))
    return text if text == stored else stored


def _note(error: str | None) -> str | None:
    """An action's note: why it failed or was withdrawn (moderation's own sentence read back as its
    `Text`), or what the operator who marked it wrote."""
    if not error:
        return error
    lifted = error.removeprefix(str(service.withdrawn_because("")))
    return recognised(error, [service.withdrawn_because(lifted)]) if lifted != error else error


@router.post("/moderation/actions/{action_id}/mark", include_in_schema=False, response_model=None)
def mark_action(
    request: Request,
    viewer: FormEditor,
    action_id: ActionId,
    state: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    if state not in ("done", "failed"):
        raise HTTPException(400, Text("Mark a recommendation done or failed."))
    with engine_of(request).begin() as connection:
        try:
            mark_recommendation(
                connection,
                viewer.workspace.workspace_id,
                action_id,
                ActionState(state),
                _actor(viewer),
                note.strip(),
            )
        except ActionError as exc:
            raise HTTPException(404 if str(exc).startswith("no action") else 400, str(exc)) from None
    return RedirectResponse("/moderation/actions", status_code=303)


@router.get("/api/moderation/actions")
def actions_api(request: Request, viewer: CurrentViewer, state: str = "recommended") -> list[dict[str, Any]]:
    if state not in ACTION_STATES:
        raise HTTPException(422, f"state: one of {', '.join(ACTION_STATES)}")
    with engine_of(request).connect() as connection:
        rows = _action_rows(connection, viewer.workspace.workspace_id, state)
    return [
        {k: r[k] for k in ("id", "kind", "group_id", "group_name", "member_id", "display_name", "parameters",
                           "reason", "requested_by", "via", "state", "error", "created_us")}
        for r in rows
    ]  # fmt: skip


# --- the member-facing appeal page -------------------------------------------------------------------


class RateLimiter:
    """At most `limit` events per key within `window` seconds (per process: a bound against guessing and
    flooding, not an accounting; several workers each keep their own)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= moment - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(moment)
        if len(self._hits) > 50_000:  # forget idle keys so memory stays bounded
            for stale in [k for k, v in self._hits.items() if not v or v[-1] <= moment - self.window][
                :10_000
            ]:
                del self._hits[stale]
        return True

    def clear(self) -> None:
        self._hits.clear()


BAD_LINKS = RateLimiter(limit=20, window=600)  # wrong tokens per address: guessing stops here
SUBMISSIONS = RateLimiter(limit=10, window=3600)  # appeal posts per address


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _public_appeal(connection: Connection, request: Request, token: str) -> dict[str, Any]:
    appeal = store.appeal_by_token(connection, token) if 16 <= len(token) <= 64 else None
    if appeal is None:
        if not BAD_LINKS.allow(_client(request)):
            raise HTTPException(429, Text("Too many attempts; please try again in a few minutes."))
        raise HTTPException(404, Text("This appeal link is not valid. Please use the link you received."))
    case = store.case_row(connection, appeal.workspace_id, appeal.case_id)
    assert case is not None
    penalties = [
        p
        for p in store.penalty_history(connection, appeal.workspace_id, appeal.member_id)
        if p.case_id == case.id
    ]
    # What the member may see: their own flagged messages, the categories and the penalty. Not shown:
    # scores, classifier features, reviewers' names and notes, anything about other accounts.
    evidence = [
        {"group": e.group_name, "ts_us": e.ts_us, "text": e.text, "categories": e.categories}
        for e in store.case_evidence(connection, case.id)
    ]
    return {
        "appeal": appeal,
        "case": case,
        "categories": [store.category_label(c) for c in case.categories],
        "evidence": evidence,
        "penalties": penalties,
        "zone": _zone(connection, appeal.workspace_id),
        "user": None,
        "token": token,
        "nothing_to_appeal": service.LIFTED_NOTHING_TO_APPEAL,
        "overturned_later": service.OVERTURNED_AFTER_APPEAL,
    }


@router.get("/appeal/{token}", response_class=HTMLResponse, include_in_schema=False)
def appeal_form(request: Request, token: str) -> HTMLResponse:
    with engine_of(request).connect() as connection:
        context = _public_appeal(connection, request, token)
    return page(request, "moderation/appeal.html", {**context, "error": None, "statement": ""})


@router.post("/appeal/{token}", response_class=HTMLResponse, include_in_schema=False)
def appeal_submit(
    request: Request,
    token: str,
    statement: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    if not SUBMISSIONS.allow(_client(request)):
        raise HTTPException(429, Text("Too many attempts; please try again later."))
    with engine_of(request).begin() as connection:
        context = _public_appeal(connection, request, token)
        if not csrf_ok(request, csrf_token):
            error: str = Text("The form expired; please reload the page and try again.")
            return page(
                request, "moderation/appeal.html", {**context, "error": error, "statement": statement}, 400
            )
        try:
            service.file_appeal(connection, token, statement, utcnow())
        except ModerationError as exc:
            error = exc.message
            return page(
                request, "moderation/appeal.html", {**context, "error": error, "statement": statement}, 400
            )
        context = _public_appeal(connection, request, token)
    return page(
        request, "moderation/appeal.html", {**context, "error": None, "statement": "", "received": True}
    )


@router.get("/api/moderation/flagged-counts")
def flagged_counts_api(request: Request, viewer: CurrentViewer, start_us: int, end_us: int) -> JSONResponse:
    """Flagged messages per group in [start_us, end_us): the input of spam-burst alerts."""
    if end_us <= start_us:
        raise HTTPException(422, "end_us must be after start_us")
    with engine_of(request).connect() as connection:
        counts = service.flagged_counts(connection, viewer.workspace.workspace_id, start_us, end_us)
    return JSONResponse({str(k): v for k, v in counts.items()})


# Chinese labels of these pages, added to the console's catalogue (English text is the key).
i18n.ZH.update(
    {
        "Moderation": "群管",
        "Review queue": "审核队列",
        "Pending": "待审核",
        "Confirmed": "已确认",
        "Overturned": "已推翻",
        "Case": "案件",
        "Member": "成员",
        "Categories": "类别",
        "Summary": "摘要",
        "Opened": "创建时间",
        "Confirm": "确认违规",
        "Overturn": "推翻",
        "Reason": "理由",
        "Evidence": "证据",
        "Score": "分数",
        "Findings": "命中规则",
        "Classifier": "分类器",
        "Penalties": "处罚",
        "Penalty history": "处罚记录",
        "Appeal": "申诉",
        "Appeals": "申诉",
        "Filed": "已提交",
        "Open": "未提交",
        "Upheld": "已支持",
        "Rejected": "已驳回",
        "Closed": "已关闭",
        "Uphold": "支持申诉",
        "Overturn this decision": "推翻这个决定",
        "The penalty is lifted, what nobody carried out yet is withdrawn, and the member is told if "
        "the penalty had reached them.": (
            "处罚会被撤销，尚未执行的操作会被撤回；处罚已送达成员的，会通知成员。"
        ),
        "Reject": "驳回",
        "Statement": "陈述",
        "Decision": "决定",
        "Rules": "群规",
        "Rules text": "群规文本",
        "Detectors": "检测规则",
        "Blocked keywords": "屏蔽词",
        "Allowed domains": "允许的域名",
        "Flag at score": "标记阈值",
        "Flood limit": "刷屏上限",
        "Mention limit": "@人数上限",
        "Newcomer hours": "新人时长（小时）",
        "Penalise automatically": "自动处罚",
        "Warn privately": "私下警告",
        "Save": "保存",
        "Saved.": "已保存。",
        "Actions": "操作",
        "Recommended": "待人工执行",
        "Done": "已完成",
        "Failed": "失败",
        "Mark done": "标记完成",
        "Mark failed": "标记失败",
        "Withdrawn": "已撤回",
        "the penalty was lifted: {reason}": "处罚已撤销：{reason}",
        "Audit log": "审计日志",
        "Nothing here.": "暂无内容。",
        "Your appeal": "你的申诉",
        "Send appeal": "提交申诉",
        "Your appeal has been received.": "申诉已收到。",
        "Ladder step": "处罚阶梯",
        "Blacklisted": "已拉黑",
        "Next offence": "再次违规",
        "Workspace defaults": "工作区默认",
        "Own rules": "独立群规",
        "Edit": "编辑",
        "All": "全部",
        "system": "系统",
        "All groups (workspace defaults)": "所有群（工作区默认）",
        "No such case in this workspace.": "本工作区没有这个案件。",
        "Mark a recommendation done or failed.": "请把建议标记为完成或失败。",
        "Too many attempts; please try again in a few minutes.": "尝试次数太多，请几分钟后再试。",
        "Too many attempts; please try again later.": "尝试次数太多，请稍后再试。",
        "This appeal link is not valid. Please use the link you received.": (
            "申诉链接无效，请使用你收到的链接。"
        ),
        # Policy categories.
        "illegal": "违法",
        "abusive": "辱骂攻击",
        "spam_ads": "广告引流",
        "vulgar": "低俗",
        "false_info": "虚假信息",
        "superstition": "封建迷信",
        "clickbait": "标题党",
        "fan_chaos": "饭圈乱象",
        # Detectors of the rules form.
        "detector|keyword": "关键词",
        "detector|contact": "联系方式",
        "detector|link": "链接",
        "detector|bait": "诱导内容",
        "detector|flood": "刷屏",
        "detector|duplicate": "跨群重复",
        "detector|newcomer": "新人发广告",
        "detector|mentions": "@人过多",
        "detector|classifier": "垃圾信息分类器",
        # Actions (recommended or done through a gateway): `ACTION_LABELS`.
        "action|group message": "发群消息",
        "action|private warning": "私信警告",
        "action|mute": "禁言",
        "action|unmute": "解除禁言",
        "action|removal from the group": "移出群",
        "action|blacklist": "拉黑",
        "action|removal from the blacklist": "移出黑名单",
        "action|join request approved": "通过入群申请",
        "action|join request rejected": "拒绝入群申请",
        "action|invite link": "创建邀请链接",
        # The audit log of a case: `AUDIT_LABELS`.
        "audit|case opened": "创建案件",
        "audit|evidence added": "追加证据",
        "audit|confirmed": "确认违规",
        "audit|overturned": "推翻",
        "audit|penalty applied": "处罚",
        "audit|penalty lifted": "撤销处罚",
        "audit|appeal filed": "提交申诉",
        "audit|appeal upheld": "支持申诉",
        "audit|appeal rejected": "驳回申诉",
        # Who did it (`actor_label`), and policy categories in words (`store.CATEGORY_LABELS`).
        "moderation (automatic)": "群管（自动）",
        "automatic ({job})": "自动（{job}）",
        "the member": "成员本人",
        "illegal content": "违法",
        "abuse": "辱骂攻击",
        "ads and spam": "广告引流",
        "vulgar or sexual content": "低俗",
        "false information": "虚假信息",
        "fan-circle chaos": "饭圈乱象",
        "rules edited": "修改了群规",
        "more flagged messages": "又有消息被标记",
        "appeal filed by the member": "成员提交了申诉",
        "appeal upheld: {reason}": "申诉成立：{reason}",
        # Cases, penalties and verdicts (`Text`s of `qunops.moderation`).
        "{count} flagged message in {groups}": "{groups}：{count} 条消息被标记",
        "{count} flagged messages in {groups}": "{groups}：{count} 条消息被标记",
        "no group": "无群",
        "{summary}: {categories}": "{summary}（{categories}）",
        "{summary}; posted from coordinated accounts": "{summary}；多个账号协同发布",
        "warning": "警告",
        "Warning": "警告",
        "mute for {days:g} day": "禁言 {days:g} 天",
        "mute for {days:g} days": "禁言 {days:g} 天",
        "Mute for {days:g} day": "禁言 {days:g} 天",
        "Mute for {days:g} days": "禁言 {days:g} 天",
        "removal from all groups and blacklist": "移出所有群并拉黑",
        "Removal from all groups and blacklist": "移出所有群并拉黑",
        "no penalty counts on the record": "没有在计的处罚记录",
        "earlier penalties are forgiven": "此前的处罚都已清零",
        "currently at step {step} of {steps} ({penalty})": "目前在第 {step}/{steps} 级（{penalty}）",
        "{penalty}: {standing}.": "{penalty}：{standing}。",
        "{penalty}: {standing}; {skipped} step skipped for {reasons}.": (
            "{penalty}：{standing}；因{reasons}，跳升 {skipped} 级。"
        ),
        "{penalty}: {standing}; {skipped} steps skipped for {reasons}.": (
            "{penalty}：{standing}；因{reasons}，跳升 {skipped} 级。"
        ),
        "repeated within {hours:g} hours of the last penalty": "上次处罚后 {hours:g} 小时内再犯",
        "multi-account abuse": "多账号违规",
        "coordinated accounts posted the same text": "多个账号协同发布相同内容",
        "a moderator already judged this exact text as spam": "管理员判定过一模一样的内容是广告",
        "a moderator already judged this exact text as not spam": "管理员判定过一模一样的内容不是广告",
        "the spam classifier gives {share:.0%}": "广告分类器判定概率 {share:.0%}",
        # The rules' own reasons for flagging a message (`Finding.explanation`).
        'contains "{evidence}": {why}': "含有“{evidence}”：{why}",
        "a threat or incitement to self-harm": "威胁或教唆自残",
        "advertises easy money (a common scam)": "宣传轻松赚钱（常见骗局）",
        "advertising language": "广告用语",
        "an insult": "辱骂",
        "asks members to add an outside contact": "引导成员加群外联系方式",
        "asks members to write privately": "引导成员私聊",
        "claims to speak for an official or the platform": "冒充官方或平台",
        "clickbait wording": "诱导点击的措辞",
        "contempt or mockery": "蔑视或嘲讽",
        "discrimination": "歧视",
        "fan-circle fighting or fundraising": "饭圈骂战或集资",
        "gambling, fraud or other illegal trade": "赌博、诈骗或其他非法交易",
        "profanity": "脏话",
        "sexual content or solicitation": "色情内容或招嫖",
        "superstition or fortune-telling for money": "收费算命等迷信活动",
        "contains a Chinese mobile number": "含有手机号",
        "contains a phone number": "含有电话号码",
        "gives a QQ number or QQ group": "留了 QQ 号或 QQ 群",
        "gives a WeChat id": "留了微信号",
        "contains a long number (possibly a QQ id)": "含有一长串数字（可能是 QQ 号）",
        "asks to contact an account handle": "引导联系某个账号",
        "a link to {host} written to slip past link filters": "变形书写的 {host} 链接，意在躲过链接过滤",
        "an invitation to another group or channel ({host})": "拉人去别的群或频道（{host}）",
        "a shortened link ({host}) that hides where it leads": "短链接（{host}），看不出指向哪里",
        "a link to {host}": "{host} 的链接",
        "shares a contact card (pulls members into private chats)": "分享名片（把成员拉去私聊）",
        'a mini-program offered with "{bait}"': "以“{bait}”为诱饵的小程序",
        "shares a mini-program": "分享小程序",
        'a red packet used as bait ("{bait}")': "以红包为诱饵（“{bait}”）",
        "a QR code to scan (leads members out of the group)": "让人扫码（把成员引出群）",
        "{count} messages in {seconds} seconds (limit {limit})": (
            "{seconds} 秒内发了 {count} 条消息（上限 {limit}）"
        ),
        "the same text {count} times in {seconds} seconds": "{seconds} 秒内把同一段话发了 {count} 次",
        "joined {hours:.1f} hours ago": "{hours:.1f} 小时前入群",
        "has sent {count} messages before": "此前只发过 {count} 条消息",
        "has sent no message before": "此前没有发过消息",
        # What members are told (a recommendation shows the operator the words to send).
        "@{name} a warning from the moderators ({categories}). Please read the group rules.": (
            "@{name} 管理员提醒：请遵守群规（{categories}）。"
        ),
        "a rule violation": "违反群规",
        "Moderation: {what}, because of {categories} ({summary}). {explanation} "
        "If you think this is wrong, appeal here: {link}": (
            "群管通知：因{categories}（{summary}），{what}。{explanation} 如有异议，请在此申诉：{link}"
        ),
        "Your appeal was upheld and the penalty lifted. {reason}": "你的申诉已通过，处罚已撤销。{reason}",
        "Your appeal was reviewed and the decision stands. {reason}": "你的申诉已审核，维持原决定。{reason}",
        "The moderators reviewed your case and lifted the penalty. {reason}": (
            "管理员重新审核了你的案件，处罚已撤销。{reason}"
        ),
        "has sent 1 message before": "此前只发过 1 条消息",
        "{first}; {second}": "{first}；{second}",
        "link": "链接",  # the rule families a newcomer's first messages carried
        "contact": "联系方式",
        "bait": "诱导内容",
        "a newcomer ({who}) posts {what} in their first messages": "新人（{who}）在最初几条消息里发了{what}",
        "mentions {count} members at once (limit {limit})": "一次 @ 了 {count} 人（上限 {limit}）",
        "mentions everyone without being an admin": "不是管理员却 @ 了所有人",
        "with a link or contact": "且带链接或联系方式",
        "with no link or contact": "（不带链接或联系方式）",
        "the same text {carrying} was posted in {groups} groups within {minutes} minutes": (
            "{minutes} 分钟内同一段话{carrying}出现在 {groups} 个群"
        ),
        "{accounts} different accounts posted the same text {carrying} within {minutes} "
        "minutes (coordinated accounts)": (
            "{minutes} 分钟内 {accounts} 个不同账号发了同一段话{carrying}（账号协同）"
        ),
        # What moderation refuses, and why (`ModerationError` messages).
        "unknown rule setting {name!r} (known: {known})": "没有这项规则设置：{name!r}（可用：{known}）",
        "detectors: a mapping of {names} to true/false": "detectors：应为 {names} 到 true/false 的对应",
        "{name}: a list of texts": "{name}：应为一组文字",
        "{name}: a number from {low} to {high}": "{name}：应为 {low} 到 {high} 之间的数",
        "{name}: {number} is outside {low} to {high}": "{name}：{number} 不在 {low} 到 {high} 之间",
        "the rules text is longer than 10,000 characters": "群规文本超过 10,000 个字",
        "none of these flagged messages is free to become evidence of a new case": (
            "这些被标记的消息都已是其他案件的证据，无法再立案"
        ),
        "give a reason: it is kept with the decision and shown in the audit log": (
            "请填写理由：它会随决定保存，并显示在审计日志中"
        ),
        "the reason is longer than {limit} characters": "理由超过 {limit} 个字",
        "case {case} was overturned: there is nothing to penalise": "案件 {case} 已被推翻，无需处罚",
        "this appeal link is not valid": "这个申诉链接无效",
        "write a few words about why the decision should change": "请写几句话，说明为什么应该改变这个决定",
        "the statement is longer than {limit} characters": "陈述超过 {limit} 个字",
        "this appeal has already been decided": "这项申诉已经有了结果",
        "the decision was overturned and the penalty lifted: there is nothing to appeal": (
            "原决定已被推翻，处罚已撤销，无需申诉"
        ),
        "the moderators overturned the decision later and lifted the penalty": (
            "群管后来推翻了原决定，处罚已撤销"
        ),
        "case {case} was already confirmed by {reviewer}": "案件 {case} 已由 {reviewer} 确认违规",
        "case {case} was already overturned by {reviewer}: an overturned case stays overturned, "
        "and new messages open a new case": (
            "案件 {case} 已由 {reviewer} 推翻：推翻的案件不再改回，之后的新消息会另立新案"
        ),
        "the system": "系统",
        "the member has not appealed case {case}: there is no appeal to decide": (
            "成员没有对案件 {case} 提出申诉，没有可裁决的申诉"
        ),
        "case {case} was overturned and its penalty lifted: the appeal can only be upheld": (
            "案件 {case} 已被推翻、处罚已撤销，这项申诉只能支持"
        ),
        "your appeal has already been received; the moderators will decide on it": (
            "你的申诉已收到，管理员会尽快处理"
        ),
        "the spam classifier gives {share:.0%} (strongest: {features})": (
            "广告分类器判定概率 {share:.0%}（最明显的特征：{features}）"
        ),
    }
)
