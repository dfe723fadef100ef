"""The console application: login, pages, the JSON API, and errors that never show a traceback."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from qunops import __version__
from qunops.console import (
    alert_pages,
    api,
    group_pages,
    import_pages,
    moderation_pages,
    pages,
    render,
    settings_pages,
)
from qunops.console.auth import LoginRequired
from qunops.console.data import warm_summaries
from qunops.console.security import csrf_token, signing_key
from qunops.core.texts import Text
from qunops.settings import Settings
from qunops.store.accounts import SESSION_LIFETIME

HERE = Path(__file__).parent
log = logging.getLogger(__name__)
# Forms and JSON bodies are small; only the import route (import_pages) takes uploads.
MAX_FORM_BYTES = 1024 * 1024
# Every router of the console with its prefix (the role tests walk these to find every route).
ROUTERS: tuple[tuple[APIRouter, str], ...] = (
    (pages.router, ""),
    (group_pages.router, ""),
    (alert_pages.router, ""),
    (import_pages.router, ""),
    (settings_pages.router, ""),
    (moderation_pages.router, ""),  # carries its own /api/moderation paths
    (api.router, "/api"),
)


def create_app(settings: Settings, engine: Engine, prewarm: bool = True) -> FastAPI:
    """The console over `engine`. With `prewarm`, starting the server computes today's group summaries
    in the background, so the first overview of the day does not wait for them (seconds at 1,000 groups).
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if prewarm:
            threading.Thread(
                target=warm_summaries, args=(engine,), name="summaries-prewarm", daemon=True
            ).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="qunops",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        max_body_size=MAX_FORM_BYTES,
    )
    app.state.engine = engine
    app.state.settings = settings
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["csrf_token"] = csrf_token
    templates.env.globals["version"] = __version__
    render.install(templates)
    app.state.templates = templates
    app.add_middleware(
        SessionMiddleware,
        secret_key=signing_key(settings),
        session_cookie="qunops_session",
        # The cookie lasts as long as a login (its row in `login_sessions` is what decides, see auth.py).
        max_age=int(SESSION_LIFETIME.total_seconds()),
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router, prefix in ROUTERS:
        app.include_router(router, prefix=prefix)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "not authenticated"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        # A detail the console wrote is a `Text`, kept as one so the page shows it in the chosen language.
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _error_page(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": problems}, status_code=422)
        return _error_page(request, 422, problems)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> Response:
        if "database is locked" not in str(exc.orig):
            raise exc  # any other database failure is unexpected (below)
        # SQLite lets one writer in at a time and an import holds the write lock until its file is
        # stored: a change (logging in or out among them) that waited in vain is to be tried again.
        log.warning("the database was busy writing while %s waited to write", request.url.path)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "the database is busy; try again in a minute"}, status_code=503)
        return _error_page(
            request, 503, Text("The database is busy storing an import; try again in a minute.")
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "internal error"}, status_code=500)
        return _error_page(request, 500, Text("Something went wrong on our side; the error is logged."))

    def _error_page(request: Request, status: int, message: str) -> Response:
        context: dict[str, Any] = {"status": status, "message": message, "user": None}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    return app
