"""The chat widget in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)
against the real widget page, Rasa and action server."""

from __future__ import annotations

import shutil

import pytest

from bot.settings import VAR_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
BOT = "#ww-log .ww-bot"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed: run `bash tests/system_deps.sh` (make test does it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    # No internet here: official pages opened from the chat get a local stand-in, so the test can
    # check that the link opens the right address in a new tab.
    context.route(
        "https://**/*",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>official page</title>"),
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    page.goto(stack.web_url + "/")
    yield page
    context.close()


def ask(page, text: str) -> None:
    page.fill("#ww-input", text)
    page.keyboard.press("Enter")


def wait_bot_count(page, count: int, timeout: float = 60_000) -> None:
    # locator waits, not page.wait_for_function: the page's Content-Security-Policy forbids evaluating strings
    page.locator(BOT).nth(count - 1).wait_for(timeout=timeout)


def wait_settled(page, quiet_ms: int = 2_000, timeout_ms: int = 60_000) -> int:
    """Wait until the log has not grown for `quiet_ms` (a turn may bring several bubbles and buttons)."""
    waited, count = 0, -1
    while waited < timeout_ms:
        now = page.locator("#ww-log li").count()
        if now == count and page.locator("#ww-typing").is_hidden():
            return now
        count = now
        page.wait_for_timeout(quiet_ms)
        waited += quiet_ms
    raise AssertionError("the widget log kept changing")


def test_widget_question_answer_buttons_reload_and_xss(page, stack):
    # 1. a question gets a cited answer with a safe, working link
    ask(page, "what is the z-route?")
    page.wait_for_selector(f"{BOT} a[href^='https://']", timeout=60_000)
    answer = page.locator(BOT, has_text="Source:").first
    assert "What is the Z-route and who is it for?" in answer.inner_text()
    link = answer.locator("a").first
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    href = link.get_attribute("href")
    with page.expect_popup() as popup_info:
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert popup.url.rstrip("/") == href.rstrip("/")
    popup.close()

    # 2. counter finder by buttons, with the keyboard-usable <button> elements
    count = page.locator(BOT).count()
    ask(page, "which counter do I need?")
    page.get_by_role("button", name="See my exam results").click()
    wait_bot_count(page, count + 2)
    page.locator(BOT, has_text="go to Mijn Inburgering").first.wait_for(timeout=60_000)

    # 3. reload keeps the conversation (same session id, history restored)
    session = page.evaluate("localStorage.getItem('wegwijzer.session')")
    wait_settled(page)
    before = page.locator("#ww-log li").all_inner_texts()
    page.reload()
    page.wait_for_selector(BOT)
    assert page.evaluate("localStorage.getItem('wegwijzer.session')") == session
    assert page.locator("#ww-log li").all_inner_texts() == before
    tracker = stack.tracker(session)
    assert any(e.get("text") == "what is the z-route?" for e in tracker["events"] if e["event"] == "user")

    # 4. HTML/script typed by the user is shown as text, never run
    payload = "<img src=x onerror=alert(1)>"
    count = page.locator(BOT).count()
    ask(page, payload)
    wait_bot_count(page, count + 1)
    assert page.locator("#ww-log .ww-user").last.inner_text().endswith(payload)
    assert page.locator("#ww-log img").count() == 0
    assert page.dialogs == []

    # 5. fits a 360 px phone screen; the live region is there for screen readers
    box = page.locator("#wegwijzer-chat").bounding_box()
    assert box and box["width"] <= 360
    assert page.get_attribute("#ww-log", "aria-live") == "polite"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(VAR_DIR / "widget.png"), full_page=True)
