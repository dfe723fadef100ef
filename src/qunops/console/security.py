"""Sessions, CSRF tokens and the signing key of the console."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import HTTPException, Request

from qunops.core.texts import Text
from qunops.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def signing_key(settings: Settings) -> str:
    """The configured key; else one kept beside the SQLite file (so sessions survive restarts)."""
    if settings.secret_key:
        return settings.secret_key
    database = settings.sqlite_path()
    if database is None:
        return secrets.token_urlsafe(32)
    key_file = Path(str(database) + ".secret")
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(32)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(24)
    return str(token)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(CSRF_FIELD)
    return bool(expected and submitted and hmac.compare_digest(str(expected), submitted))


async def require_form_csrf(request: Request) -> None:
    """Forms carry the token as a field; HTMX requests carry it in the X-CSRF-Token header."""
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        # FastAPI has parsed (and cached) the form already for routes with Form parameters.
        value = (await request.form()).get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_ok(request, submitted):
        raise HTTPException(400, Text("The form expired; please reload the page and try again."))


def require_header_csrf(request: Request) -> None:
    """JSON API calls that change something must send the session's token in X-CSRF-Token."""
    if not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "Missing or wrong X-CSRF-Token header (GET /api/me returns the token).")
