"""The staff page on the real widget server (bot/ops/webserver.py) over a tracker store written by Rasa's own
SQLTrackerStore, `python -m bot gaps` and its round trip through `python -m bot eval`, and the page in a real
headless Chromium (login form, tables; saves docs/staff.png for the README)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

import pytest

from bot import settings
from bot.ops import supervisor as servers
from bot.tools.insight import Period
from tests.support import tracker_seed as seed
from tests.support.stack import stop_services

pytestmark = [pytest.mark.e2e]

TOKEN = "staff-test-token-" + "x" * 12
ROOT = settings.PROJECT_ROOT


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    if not seed.RASA_PY.exists():
        pytest.fail("no .venv-rasa: run `make setup`")
    today = Period.last_days(1).last
    return seed.write_with_rasa(tmp_path_factory.mktemp("staff") / "tracker.db", seed.conversations(today))


@pytest.fixture(scope="module")
def web(store, tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("WEGWIJZER_STAFF_TOKEN", TOKEN)
    port = servers.free_port()
    service = servers.web_server(
        port, "http://localhost:1", log_path=tmp_path_factory.mktemp("web") / "web.log", tracker=str(store)
    )
    try:
        service.start().wait_ready(60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_services([service])
    assert service.proc is not None and service.proc.poll() is not None


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        url, data=data, headers=headers or {}, method="POST" if data is not None else "GET"
    )
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_closed_without_the_token(web):
    status, headers, body = fetch(web + "/staff/")
    assert status == 401 and 'name="token"' in body and "Bearer" in headers["WWW-Authenticate"]
    assert fetch(web + "/staff/", {"Authorization": "Bearer not-the-token"})[0] == 401
    assert fetch(web + "/staff/export.csv?table=days")[0] == 401
    assert fetch(web + "/staff/", {"Cookie": "wegwijzer_staff=" + TOKEN})[0] == 401  # the cookie is not the token
    status, headers, body = fetch(web + "/staff/login", data=b"token=wrong")
    assert status == 401 and "Set-Cookie" not in headers and "not the staff token" in body
    assert fetch(web + "/")[0] == 200  # the widget page stays open


def test_counts_and_groups_with_the_token(web):
    last = Period.last_days(1).last
    first = Period.last_days(3).first  # the seeded days; the default 30 days also hold the old conversation
    status, _, html = fetch(web + f"/staff/?from={first}&to={last}", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    summary = re.sub(r"<[^>]+>", "", html.split('class="summary">', 1)[1].split("</p>", 1)[0])
    assert (
        "4 conversations, 14 messages; 2 answered from a guide, 2 abstained, 2 out of scope, 1 marked not helpful"
        in summary
    )
    gaps = html.split('id="h-gaps"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><th scope=\"row\" class=\"num\">(\d+)</th><td><ul class=\"examples\">(.*?)</ul>", gaps)
    groups = sorted((int(n), sorted(re.findall(r"<li>(.*?)</li>", items))) for n, items in rows)
    assert groups == [
        (2, ["can i bring my dog to the exam", "my bsn is [bsn], are pets allowed in the exam room"]),
        (2, ["what is the weather in amsterdam this weekend", "what is the weather in utrecht tomorrow"]),
    ]
    assert seed.Z_PASSAGE in html and "what is the z-route?" in html  # the not-helpful answer
    assert "<script" not in html and "style=" not in html


def test_login_cookie_date_filter_and_csv(web):
    status, headers, _ = fetch(web + "/staff/login", data=f"token={TOKEN}".encode())
    assert status == 303 and headers["Location"] == "/staff/"
    cookie_header = headers["Set-Cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=Strict" in cookie_header and TOKEN not in cookie_header
    morsel = SimpleCookie(cookie_header)["wegwijzer_staff"]
    cookie = {"Cookie": f"wegwijzer_staff={morsel.value}"}
    today = Period.last_days(1).last
    status, _, html = fetch(web + f"/staff/?from={today}&to={today}", cookie)
    assert status == 200 and "2</strong> conversations" in html
    status, _, html = fetch(web + "/staff/?from=not-a-date", cookie)
    assert status == 200 and "not understood" in html
    status, headers, text = fetch(web + f"/staff/export.csv?table=unanswered&from={today}&to={today}", cookie)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert text.splitlines()[1].endswith(",out_of_scope,what is the weather in amsterdam this weekend")
    assert fetch(web + "/staff/export.csv?table=nope", cookie)[0] == 400
    status, headers, _ = fetch(web + "/staff/logout", cookie, data=b"")
    assert status == 303 and "Max-Age=0" in headers["Set-Cookie"]


def test_gaps_draft_round_trips_through_bot_eval(store, tmp_path):
    draft = tmp_path / "gaps.yml"
    env = servers.base_env()
    gaps = subprocess.run(
        [sys.executable, "-m", "bot", "gaps", "--since", "3", "--db", str(store), "--out", str(draft)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert gaps.returncode == 0, gaps.stderr
    assert "4 unanswered questions in 3 days, 2 groups: 2 draft questions" in gaps.stdout
    evaluated = subprocess.run(
        [sys.executable, "-m", "bot", "eval", str(draft)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert re.search(r"abstain_accuracy=\d\.\d+ n=2$", evaluated.stdout.strip()), evaluated.stdout


@pytest.mark.browser
def test_staff_page_in_chromium_logs_in_and_shows_the_tables(web):
    from tests.e2e.channels.test_widget_browser import CHROMIUM, CHROMIUM_ARGS

    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: run `bash tests/system_deps.sh` (make test does it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.set_default_timeout(180_000)  # the first view loads the encoder in the web server (busy CI)
            response = page.goto(web + f"/staff/?from={Period.last_days(3).first}")
            assert response is not None and response.status == 401
            page.get_by_label("Staff token").fill(TOKEN)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_selector("h2#h-gaps")
            assert page.get_by_role("heading", name="Unanswered questions, grouped by meaning").is_visible()
            assert page.locator("table").count() == 7
            assert page.get_by_role("img", name="Answered, abstained and out of scope per day").is_visible()
            assert (
                "can i bring my dog to the exam" in page.locator("section[aria-labelledby=h-gaps] table").inner_text()
            )
            page.goto(web + f"/staff/?from={Period.last_days(3).first}")  # the cookie keeps the session
            page.wait_for_selector("h2#h-gaps")
            assert page.locator("section[aria-labelledby=h-days] tbody tr").count() == 3
            page.screenshot(path=str(settings.VAR_DIR / "staff.png"), full_page=True)  # docs/staff.png: by hand
        finally:
            browser.close()
