"""Sessions, CSRF tokens and the signing key of the console."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import Request

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
