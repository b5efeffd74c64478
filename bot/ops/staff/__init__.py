"""The staff page at /staff/ on the widget server (bot/ops/webserver.py mounts it with `handle`).

Closed without the staff token (bot/ops/staff/auth.py): 401 and a login form. Reads the tracker store named
by TRACKER_DB (the supervisor passes Rasa's: a SQLite file or a postgresql:// URL) on every view, through
bot.tools.insight (counts) and bot.tools.gaps (unanswered questions grouped by meaning; the encoder loads on
the first view and stays). Routes: GET /staff/ (?from=YYYY-MM-DD&to=YYYY-MM-DD), GET /staff/export.csv
(?table=...&from=&to=), GET /staff/staff.css, POST /staff/login (form field `token`), POST /staff/logout."""

from __future__ import annotations

import logging
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, urlsplit

from bot import settings
from bot.ops.staff import auth, page
from bot.tools.gaps import Group, default_encoder, group_questions
from bot.tools.insight import Period, Report, report_for, tracker_db

log = logging.getLogger(__name__)

PREFIX = "/staff"
STATIC = Path(__file__).resolve().parent / "static"
MAX_FORM_BYTES = 4096
MAX_DAYS = 366


def period_from(query: dict[str, list[str]], today: Optional[date] = None) -> tuple[Period, str]:
    """The date range asked for (?from=&to=, inclusive), else the last STAFF_DEFAULT_DAYS days; a bad value
    falls back to the default with a note (never an error page)."""
    default = Period.last_days(settings.STAFF_DEFAULT_DAYS, today)
    raw_from, raw_to = (query.get("from") or [""])[0].strip(), (query.get("to") or [""])[0].strip()
    if not raw_from and not raw_to:
        return default, ""
    try:
        first = date.fromisoformat(raw_from) if raw_from else default.first
        last = date.fromisoformat(raw_to) if raw_to else default.last
    except ValueError:
        return default, "The dates were not understood (use YYYY-MM-DD); showing the last days instead."
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = date.fromordinal(last.toordinal() - MAX_DAYS + 1)
        return Period(first, last), f"At most {MAX_DAYS} days at a time: showing {first} to {last}."
    return Period(first, last), ""


_titles: dict[str, str] = {}
_titles_lock = threading.Lock()


def need_titles() -> dict[str, str]:
    """Counter-finder task titles by need id (knowledge/counters.yml); ids only if the knowledge cannot load."""
    with _titles_lock:
        if not _titles:
            try:
                from bot.knowledge import load_knowledge

                _titles.update({n.id: n.title for n in load_knowledge().counters.needs})
            except Exception as error:  # the page still works with ids
                log.warning("staff: knowledge not loaded (%s); showing need ids", error)
        return dict(_titles)


def build(period: Period) -> tuple[Report, list[Group]]:
    report = report_for(tracker_db(), period)
    return report, group_questions(report.unanswered, default_encoder() if report.unanswered else None)


def _send(handler: BaseHTTPRequestHandler, status: int, body: str, content_type: str, headers: dict[str, str]) -> None:
    data = body.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("Cache-Control", "no-store")
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


def _html(handler: BaseHTTPRequestHandler, status: int, body: str, **headers: str) -> None:
    _send(handler, status, body, "text/html; charset=utf-8", {k.replace("_", "-"): v for k, v in headers.items()})


def _redirect(handler: BaseHTTPRequestHandler, location: str, cookie: Optional[str] = None) -> None:
    handler.send_response(303)
    handler.send_header("Location", location)
    handler.send_header("Content-Length", "0")
    handler.send_header("Cache-Control", "no-store")
    if cookie:
        handler.send_header("Set-Cookie", cookie)
    handler.end_headers()


def _unauthorized(handler: BaseHTTPRequestHandler, error: Optional[str] = None) -> None:
    _html(handler, 401, page.login_page(error), WWW_Authenticate='Bearer realm="wegwijzer-staff"')


def _is_https(handler: BaseHTTPRequestHandler) -> bool:
    return (handler.headers.get("X-Forwarded-Proto") or "").lower() == "https"


def handles(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def handle(handler: BaseHTTPRequestHandler) -> None:
    """Answer a GET, HEAD or POST under /staff (the caller checked `handles(path)`)."""
    try:
        _route(handler)
    except Exception:  # a page error never shows a traceback; the log keeps it
        log.exception("staff page failed")
        try:
            _html(handler, 500, page.error_page("The staff page could not read the tracker store; see the web log."))
        except OSError:
            pass


def _route(handler: BaseHTTPRequestHandler) -> None:
    url = urlsplit(handler.path)
    path, query = url.path, parse_qs(url.query)
    token = auth.staff_token()
    if path == PREFIX:
        return _redirect(handler, PREFIX + "/")
    if path == PREFIX + "/staff.css" and handler.command in ("GET", "HEAD"):
        return _send(handler, 200, (STATIC / "staff.css").read_text(encoding="utf-8"), "text/css; charset=utf-8", {})
    if handler.command == "POST":
        form = _read_form(handler)
        if path == PREFIX + "/login":
            if form is not None and auth.token_matches((form.get("token") or [""])[0].strip(), token):
                return _redirect(handler, PREFIX + "/", auth.set_cookie(token, _is_https(handler)))
            return _unauthorized(handler, "That is not the staff token.")
        if path == PREFIX + "/logout":
            return _redirect(handler, PREFIX + "/", auth.clear_cookie())
        return _html(handler, 404, page.error_page("No such page."))
    if not auth.authorized(handler.headers.get("Authorization"), handler.headers.get("Cookie"), token):
        return _unauthorized(handler)
    if path == PREFIX + "/":
        period, note = period_from(query)
        report, groups = build(period)
        return _html(handler, 200, page.dashboard(report, groups, need_titles(), note))
    if path == PREFIX + "/export.csv":
        table = (query.get("table") or ["days"])[0]
        if table not in page.TABLES:
            return _html(handler, 400, page.error_page(f"Unknown table; use one of: {', '.join(page.TABLES)}."))
        period, _ = period_from(query)
        report, groups = build(period) if table == "groups" else (report_for(tracker_db(), period), [])
        name = f"wegwijzer-{table}-{period.first}-{period.last}.csv"
        return _send(
            handler,
            200,
            page.export_csv(table, report, groups, need_titles()),
            "text/csv; charset=utf-8",
            {"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return _html(handler, 404, page.error_page("No such page."))


def _read_form(handler: BaseHTTPRequestHandler) -> Optional[dict[str, list[str]]]:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        return None
    if length < 0 or length > MAX_FORM_BYTES:
        return None
    body = handler.rfile.read(length) if length else b""
    return parse_qs(body.decode("utf-8", errors="replace"))
