# ruff: noqa: F811  (the browser fixtures are imported from test_widget_browser.py and used as parameters)
"""The widget page as served to the public: security headers (Content-Security-Policy, nosniff, Referrer-Policy,
no framing) checked over HTTP and in the real browser (the widget works, an injected inline script does not run),
the privacy line and page, axe-core's WCAG 2.0/2.1 A and AA rules on the widget with a conversation in it, and
keyboard-only use. Same browser and stack as test_widget_browser.py."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.e2e.channels.test_widget_browser import BOT, ask, browser, page, wait_bot_count  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CSP_SIGNS = ("Content Security Policy", "Content-Security-Policy")


def get(url: str) -> tuple[dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return {k.lower(): v for k, v in response.headers.items()}, response.read().decode()


def directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


def test_page_headers_and_no_inline_code(stack):
    rasa_port = stack.rasa_url.rsplit(":", 1)[1]
    for path in ("/", "/privacy.html", "/widget.js", "/config.js"):
        headers, body = get(stack.web_url + path)
        csp = directives(headers["content-security-policy"])
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"], csp
        assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
        assert sorted(csp["connect-src"]) == sorted(
            ["'self'", f"http://localhost:{rasa_port}", f"ws://localhost:{rasa_port}"]
        )
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        if path.endswith((".html", "/")):
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "inline <script> in " + path
            assert "<style" not in body and " style=" not in body and not re.search(r"\son\w+=", body), path


def test_csp_in_the_browser_widget_works_injected_inline_script_does_not(page, stack):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    ask(page, "what is the z-route?")
    page.wait_for_selector(f"{BOT} a[href^='https://']", timeout=60_000)
    assert "Z-route" in page.locator(BOT).last.inner_text()
    assert not [line for line in console if any(sign in line for sign in CSP_SIGNS)], console  # nothing blocked

    ran = page.evaluate(
        """() => new Promise(resolve => {
            window.__violations = [];
            document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true;';
            document.body.appendChild(script);
            setTimeout(() => resolve(window.__injected === true), 200);
        })"""
    )
    assert ran is False
    assert any(d.startswith("script-src") for d in page.evaluate("window.__violations")), "no CSP report"
    assert page.context.cookies() == []  # the widget sets no cookies

    # the privacy line under the widget says how long chats are kept and links to the privacy page
    notice = page.locator(".ww-notice")
    assert "30 days" in notice.inner_text() and "personal numbers" in notice.inner_text()
    notice.get_by_role("link", name="Privacy").click()
    page.wait_for_selector("h1")
    assert "Privacy" in page.locator("h1").inner_text()
    text = page.locator("main").inner_text()
    assert "delete my conversation" in text and "30 days" in text and "cannot see your personal files" in text


def axe_violations(page, stack) -> list[str]:
    page.add_script_tag(url=stack.web_url + "/vendor/axe.min.js")  # served from web/node_modules, same origin
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}" for v in result["violations"]
    ]


def test_axe_no_wcag_a_aa_violations_with_a_conversation(page, stack):
    ask(page, "what is the z-route?")
    page.wait_for_selector(f"{BOT} a[href^='https://']", timeout=60_000)
    count = page.locator(BOT).count()
    ask(page, "which counter do I need?")
    wait_bot_count(page, count + 1)
    page.wait_for_selector("#ww-log .ww-buttons button:not([disabled])", timeout=60_000)
    assert page.locator("#ww-log li.ww-user").count() == 2 and page.locator("#ww-log .ww-buttons").count() >= 1
    assert axe_violations(page, stack) == []
    page.goto(stack.web_url + "/privacy.html")
    assert axe_violations(page, stack) == []


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {id: e.id, tag: e.tagName, text: e.textContent,
                           button: !!e.closest('.ww-buttons') && e.tagName === 'BUTTON' && !e.disabled}; }"""
    )


def test_keyboard_only(page, stack):
    for _ in range(20):  # Tab from the top of the page to the message field
        page.keyboard.press("Tab")
        if focused(page)["id"] == "ww-input":
            break
    assert focused(page)["id"] == "ww-input"
    page.keyboard.type("which counter do I need?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ww-log .ww-buttons button:not([disabled])", timeout=60_000)
    assert focused(page)["id"] == "ww-input"  # focus stays in the field after sending
    users = page.locator("#ww-log .ww-user").count()
    for _ in range(40):  # the suggested replies sit above the field: Shift+Tab back to one
        page.keyboard.press("Shift+Tab")
        if focused(page)["button"]:
            break
    choice = focused(page)
    assert choice["button"], choice
    page.keyboard.press("Enter")
    page.locator("#ww-log .ww-user").nth(users).wait_for(timeout=60_000)
    assert page.locator("#ww-log .ww-user").last.inner_text().endswith(choice["text"])
