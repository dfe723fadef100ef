"""Importing exports from the browser: upload, a background import, progress, then the summary and errors.

Uploads are written to a private temporary folder, imported by `qunops.ingestion.import_paths` in a
background thread (the request returns at once; the page polls the job), and the folder is deleted when
the import ends, whatever happened. Jobs are rows of `import_jobs`, so any console worker can report on
them. An upload is limited to MAX_UPLOAD_MB in all: the request's declared length is checked before
anything is read, and the bytes actually written are counted too.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from starlette.datastructures import UploadFile

from qunops.console import i18n, queries
from qunops.console.auth import CurrentViewer, EditorViewer, engine_of
from qunops.console.data import refresh_summaries
from qunops.console.pages import JobId
from qunops.console.render import is_htmx, page
from qunops.console.security import CSRF_FIELD, CSRF_HEADER, csrf_ok
from qunops.console.state import (
    ImportJob,
    create_import_job,
    import_job,
    recent_import_jobs,
    update_import_job,
)
from qunops.core.texts import Text, recognised
from qunops.importers.base import FIXED_SKIP_REASONS
from qunops.ingestion import ImportReport, import_paths

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

MAX_UPLOAD_MB = 200
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_FILES = 20
_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-() ]+", re.UNICODE)
UNKNOWN_ZONE = "Unknown timezone {zone}: name one like Asia/Shanghai or Europe/Berlin"


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, viewer: CurrentViewer, error: str = "") -> HTMLResponse:
    return _form(request, viewer, error)


# The framework also stops a body past the limit while it streams in (chunked uploads declare no length).
@router.post("/import", response_model=None, max_body_size=MAX_UPLOAD_BYTES + 1024 * 1024)
async def upload(request: Request, viewer: EditorViewer) -> Response:
    """Take the uploaded files and start their import; answers with the job's page."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise _too_large()
    form = await request.form(max_files=MAX_FILES, max_fields=10)
    token = form.get(CSRF_FIELD)
    if not csrf_ok(request, request.headers.get(CSRF_HEADER) or (token if isinstance(token, str) else None)):
        raise HTTPException(400, Text("The form expired; please reload the page and try again."))
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        return _form_error(request, viewer, "Choose at least one file.")
    field = form.get("timezone")
    chosen = field.strip() if isinstance(field, str) else ""
    if chosen:
        try:
            ZoneInfo(chosen)
        except (ZoneInfoNotFoundError, ValueError):
            return _form_error(request, viewer, Text(UNKNOWN_ZONE, zone=chosen))
    folder = Path(tempfile.mkdtemp(prefix="qunops-upload-"))
    try:
        files = await _save(uploads, folder)
    except _TooLarge:
        shutil.rmtree(folder, ignore_errors=True)
        raise _too_large() from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        await form.close()
    engine = engine_of(request)
    workspace_id = viewer.workspace.workspace_id
    with engine.begin() as connection:
        job_id = create_import_job(connection, workspace_id, viewer.user_id, files)
        zone = chosen or queries.workspace_timezone(connection, workspace_id)
    worker = threading.Thread(
        target=run_import,
        args=(engine, job_id, workspace_id, folder, zone),
        name=f"import-{job_id}",
        daemon=True,
    )
    worker.start()
    if is_htmx(request):
        with engine.connect() as connection:
            job = import_job(connection, workspace_id, job_id)
        return page(request, "_import_job.html", {"user": viewer, "job": _readable(job)})
    return RedirectResponse(f"/import/jobs/{job_id}", status_code=303)


# Progress of the imports this process runs on SQLite, by job id (see `run_import`).
LIVE_PROGRESS: dict[int, dict[str, Any]] = {}


def _live(job: ImportJob) -> ImportJob:
    found = LIVE_PROGRESS.get(job.id)
    return replace(job, progress=found) if found is not None and not job.finished_work else job


def _readable(job: ImportJob | None) -> ImportJob | None:
    """The job with its files' errors, the skipped lines' reasons and the skipped files' reasons as the
    `Text` they were written as, so that its page shows them in the operator's language (the stored
    report keeps the English as written, and each error's template and values beside it)."""
    if job is None:
        return job
    job = _live(job)
    if not job.report:
        return job
    files = [
        {
            **f,
            "error": _error(f.get("error"), f.get("error_text")),
            "skipped": [
                {**s, "reason": recognised(s["reason"], FIXED_SKIP_REASONS)} for s in f.get("skipped") or []
            ],
        }
        for f in job.report.get("files", [])
    ]
    skipped_files = [
        {**s, "reason": _error(s.get("reason"), s.get("reason_text"))}
        for s in job.report.get("skipped_files") or []
    ]
    return replace(job, report={**job.report, "files": files, "skipped_files": skipped_files})


def _error(stored: str | None, template: Any) -> str | None:
    """A file's stored error as its `Text` when the template and values stored beside it rebuild exactly
    that English; else as written (a report of an older version)."""
    if stored is None:
        return None
    text = Text.from_json(template)
    return text if text == stored else stored


def _stored_report(report: ImportReport) -> dict[str, Any]:
    """The report as the job keeps it: its JSON, with each error's template and values beside it."""
    stored = report.as_json()
    for data, file in zip(stored["files"], report.files, strict=True):
        if isinstance(file.error, Text):
            data["error_text"] = file.error.as_json()
    for data, skipped in zip(stored["skipped_files"], report.skipped_files, strict=True):
        if isinstance(skipped.reason, Text):
            data["reason_text"] = skipped.reason.as_json()
    return stored


def _too_large() -> HTTPException:
    return HTTPException(
        413,
        Text("The upload is larger than {limit} MB; import big exports with the CLI.", limit=MAX_UPLOAD_MB),
    )


@router.get("/import/jobs/{job_id}", response_class=HTMLResponse)
def job_status(request: Request, viewer: CurrentViewer, job_id: JobId) -> HTMLResponse:
    with engine_of(request).connect() as connection:
        job = import_job(connection, viewer.workspace.workspace_id, job_id)
    if job is None:
        raise HTTPException(404, Text("No such import in this workspace."))
    template = "_import_job.html" if is_htmx(request) else "import_job.html"
    return page(request, template, {"user": viewer, "job": _readable(job)})


def run_import(engine: Engine, job_id: int, workspace_id: int, folder: Path, timezone: str) -> None:
    """The background part: import the folder's files, record progress and the report, delete the files."""
    prefix = str(folder) + "/"

    def progress(name: str, events: int) -> None:
        now = {"file": name.replace(prefix, ""), "events": events}
        if engine.dialect.name == "sqlite":
            # The import's own transaction holds SQLite's one write lock: a write from another connection
            # would wait for it to end, here on this very thread. This process's pages read it from memory.
            LIVE_PROGRESS[job_id] = now
            return
        with engine.begin() as connection:
            update_import_job(connection, job_id, progress=now)

    try:
        with engine.begin() as connection:
            update_import_job(connection, job_id, state="running")
        paths = sorted(folder.iterdir())
        report = import_paths(engine, workspace_id, paths, timezone, progress=progress)
        if report.total.events_new:
            refresh_summaries(engine, workspace_id)  # so the new groups show as soon as the job is done
        with engine.begin() as connection:
            update_import_job(
                connection, job_id, state="done", report=_without_prefix(_stored_report(report), prefix)
            )
    except Exception as exc:  # the job must end in a state the page can show, whatever went wrong
        log.exception("import job %s failed", job_id)
        with engine.begin() as connection:
            update_import_job(connection, job_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        LIVE_PROGRESS.pop(job_id, None)
        shutil.rmtree(folder, ignore_errors=True)


def _without_prefix(value: Any, prefix: str) -> Any:
    """The report names files by their temporary path; operators know them by the name they uploaded."""
    if isinstance(value, str):
        return value.replace(prefix, "")
    if isinstance(value, list):
        return [_without_prefix(v, prefix) for v in value]
    if isinstance(value, dict):
        return {k: _without_prefix(v, prefix) for k, v in value.items()}
    return value


class _TooLarge(Exception):
    pass


async def _save(uploads: list[UploadFile], folder: Path) -> list[dict[str, Any]]:
    total = 0
    saved: list[dict[str, Any]] = []
    for number, upload in enumerate(uploads, start=1):
        name = _UNSAFE.sub("_", Path(upload.filename or "").name).strip(". ") or f"upload-{number}"
        target = folder / name
        if target.exists():  # two uploads with one name: keep both
            target = folder / f"{target.stem}-{number}{target.suffix}"
        size = 0
        with target.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                total += len(chunk)
                if total > MAX_UPLOAD_BYTES:
                    raise _TooLarge
                out.write(chunk)
        saved.append({"name": target.name, "size": size})
    return saved


def _form_error(request: Request, viewer: Any, message: str) -> HTMLResponse:
    return _form(request, viewer, message, status=400)


def _form(request: Request, viewer: Any, error: str, status: int = 200) -> HTMLResponse:
    """The import page: the upload form and the recent imports, their times in the workspace's timezone."""
    workspace_id = viewer.workspace.workspace_id
    with engine_of(request).connect() as connection:
        jobs: list[ImportJob] = recent_import_jobs(connection, workspace_id)
        zone = queries.workspace_timezone(connection, workspace_id)
    context = {
        "user": viewer,
        "jobs": jobs,
        "limit_mb": MAX_UPLOAD_MB,
        "error": error,
        "max_files": MAX_FILES,
        "zone": zone,
    }
    return page(request, "import.html", context, status=status)


# The import pages' Chinese, and the importers' sentences about files that are not imported.
i18n.ZH.update(
    {
        "1 file failed": "1 个文件导入失败",
        "Timezone of local times": "本地时间的时区",
        "WeChat, QQ and WhatsApp exports write times without a timezone: they are read in this one. "
        "Telegram, Discord and OneBot times carry their own.": (
            "微信、QQ 和 WhatsApp 的导出文件写的时间不带时区，按这里的时区读取；"
            "Telegram、Discord 和 OneBot 的时间自带时区。"
        ),
        UNKNOWN_ZONE: ("未知时区 {zone}：请填写 Asia/Shanghai 或 Europe/Berlin 这样的名称"),
        "{count} files failed": "{count} 个文件导入失败",
        "Skipped files": "跳过的文件",
        "Files in the upload that are not chat exports; nothing of them was imported.": (
            "上传内容中不是聊天记录导出的文件；这些文件没有导入任何内容。"
        ),
        "… and {count} more": "…… 另有 {count} 个",
        "1 media file (a photo, video, audio or document)": "1 个媒体文件（图片、视频、音频或文档）",
        "{count} media files (photos, videos, audio, documents)": (
            "{count} 个媒体文件（图片、视频、音频、文档）"
        ),
        "empty file": "空文件",
        "not UTF-8 text (looks like UTF-16): re-export or convert to UTF-8": (
            "不是 UTF-8 文本（看起来是 UTF-16）：请重新导出，或转换为 UTF-8"
        ),
        "no chat export in the folder": "文件夹里没有聊天记录导出",
        "the folder is empty": "文件夹是空的",
    }
)
