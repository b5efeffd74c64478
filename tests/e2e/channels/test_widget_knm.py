"""A KNM practice round in the chat widget, in a real headless Chromium (Debian's chromium via Playwright):
option buttons, a wrong answer, a question in the middle, the score. Also saves the README screenshot."""

from __future__ import annotations

import re
import time

import pytest

from bot.knowledge.knm import load_question_bank
from bot.settings import VAR_DIR
from tests.e2e.channels.test_widget_browser import BOT, ask, browser, page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

BANK = load_question_bank()
SPEAKER = r"\s*Wegwijzer:\s*"  # the widget's visually hidden speaker label starts every bot bubble
GRADED = re.compile(rf"^({SPEAKER})?(Right!|Not quite\.)")


def bubble_text(locator) -> str:
    return re.sub(rf"^{SPEAKER}", "", locator.inner_text())


def log_text(page) -> str:  # noqa: F811
    return page.locator("#ww-log").inner_text()


def wait_for_text(page, pattern: str, timeout: float = 60_000) -> None:  # noqa: F811
    """Wait on the page's elements (the page's CSP blocks Playwright's evaluated wait functions)."""
    page.locator("#ww-log", has_text=re.compile(pattern)).wait_for(timeout=timeout)


def wait_graded(page, count: int, timeout: float = 60.0) -> None:  # noqa: F811
    deadline = time.monotonic() + timeout
    while page.locator(BOT, has_text=GRADED).count() < count:
        assert time.monotonic() < deadline, f"fewer than {count} graded answers"
        time.sleep(0.2)


def open_question(page):  # noqa: F811
    bubble = page.locator(BOT, has_text=re.compile(rf"^({SPEAKER})?Question \d+ of \d+")).last
    text = " ".join(bubble.inner_text().split())
    question = next((q for q in BANK.questions if " ".join(q.stem.split()) in text), None)
    assert question is not None, f"no bank question in {text!r}"
    return question


def test_widget_knm_round(page, stack):  # noqa: F811
    ask(page, "practise knm")
    page.get_by_role("button", name="History and geography").click()
    wait_for_text(page, r"Question 1 of 5")
    for number in range(1, 6):
        wait_for_text(page, rf"Question {number} of 5")
        question = open_question(page)
        choice = (question.answer + 1) % len(question.options) if number == 1 else question.answer
        if number == 2:  # for docs/knm-practice.png (copied by hand): a grading, then a question with its buttons
            page.screenshot(path=str(VAR_DIR / "knm-practice.png"))
        buttons = page.locator(".ww-buttons").last.get_by_role("button")
        buttons.nth(choice).click()
        wait_graded(page, number)
        last = bubble_text(page.locator(BOT, has_text=GRADED).last)
        assert last.startswith("Not quite" if number == 1 else "Right!"), last
        if number == 2:
            ask(page, "what does KNM stand for?")
            wait_for_text(page, "Shall we go on with the practice")
            page.get_by_role("button", name="Go on").click()
            wait_for_text(page, r"Question 3 of 5[\s\S]*Question 3 of 5")
    wait_for_text(page, r"Round over: you got 4 of 5 right\.")
    text = log_text(page)
    assert "Not quite. The right answer is" in text
    assert "Have another look at:" in text
    assert page.get_by_role("button", name="Another round").is_visible()
