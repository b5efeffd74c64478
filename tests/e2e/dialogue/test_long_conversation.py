"""A conversation much longer than the live tracker's window (settings.TRACKER_WINDOW_TURNS, bot/core/tracker_window.py),
against the real servers: what was said and set long ago still counts, a form open over many turns finishes
right, every message is stored exactly once, and the staff tools (feedback report, forget) see all of it."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import pytest

from bot import settings
from bot.core.tracker_window import WINDOW_TYPE
from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e

COUNTER_LINE = re.compile(r"^(?P<need>[^\n:]+?)(?: under the (?P<act>\d{4}) act)?: go to (?P<counter>[^\n]+?)\.$", re.M)
SMALL_TALK = ["hello", "thanks", "hi there", "thank you"]


def rows(db, sender: str) -> list[tuple[int, str, dict]]:
    with sqlite3.connect(db) as conn:
        query = "SELECT id, type_name, data FROM events WHERE sender_id = ? ORDER BY id"
        return [(row_id, kind, json.loads(data)) for row_id, kind, data in conn.execute(query, (sender,))]


def run_bot(*args: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_long_conversation_keeps_its_state_and_stores_every_event_once(stack, sender):
    window = settings.TRACKER_WINDOW_TURNS
    sent: list[str] = []
    bot_messages = 0

    def say(message: str) -> str:
        nonlocal bot_messages
        replies = stack.say(sender, message)
        sent.append(message)
        bot_messages += len(replies)
        return "\n".join(r.get("text") or "" for r in replies)

    # set long ago: the integration act (through the counter finder) and a rated answer
    say("/ask_counter")
    say('/inform{"need":"pay_or_loan"}')
    first = say('/inform{"integration_act":"2013"}')
    assert COUNTER_LINE.search(first).group("act") == "2013", first  # type: ignore[union-attr]
    question = f"how does the listening exam work? ({sender})"
    say(question)
    say("/feedback_positive")

    for i in range(3 * window + 4):  # pushes all of that far out of the live window
        say(SMALL_TALK[i % len(SMALL_TALK)])

    # a form open over more turns than the window holds: side questions inside it, then its answer
    assert "What do you want to do?" in say("/ask_counter")
    for _ in range(window + 2):
        assert "Z-route" in say("what is the z-route?")
        say("/continue_form")
    final = say('/inform{"need":"pay_or_loan"}')
    # the act set at the start is still known: not asked again, used in the answer
    assert "which integration law" not in final.lower(), final
    match = COUNTER_LINE.search(final)
    assert match and match.group("act") == "2013" and "DUO" in match.group("counter"), final

    stored = rows(stack.tracker_db, sender)
    events = [data for _, kind, data in stored if kind != WINDOW_TYPE]
    windows = [data for _, kind, data in stored if kind == WINDOW_TYPE]
    # every message and every reply stored exactly once, in order
    assert [e["text"] for e in events if e["event"] == "user"] == sent
    assert sum(1 for e in events if e["event"] == "bot") == bot_messages
    assert len({json.dumps(e, sort_keys=True) for e in events}) == len(events)
    # one window row; the window starts `window` messages sent outside a form back: the form's start and the
    # small talk before it (messages inside the form do not count, and it never starts inside the form)
    user_ids = [row_id for row_id, kind, _ in stored if kind == "user"]
    form_start = len(sent) - 1 - sent[::-1].index("/ask_counter")
    assert len(windows) == 1 and windows[0]["first_event_id"] == user_ids[form_start - (window - 1)], windows
    # the REST tracker still has the whole conversation
    assert [e["text"] for e in stack.tracker(sender)["events"] if e["event"] == "user"] == sent

    # the feedback report reads the rating given long ago
    report = run_bot("feedback-report", "--db", str(stack.tracker_db), "--limit", "1000")
    line = next(line for line in report.splitlines() if sender in line)
    assert line.split()[:2] == ["0", "1"], line

    # forget removes everything, the window too: the next message starts from nothing (the act is asked again)
    assert "stored events removed" in run_bot("forget", sender, "--db", str(stack.tracker_db))
    assert rows(stack.tracker_db, sender) == []
    stack.say(sender, "/ask_counter")
    again = stack.texts(sender, '/inform{"need":"pay_or_loan"}')
    assert "integration law" in again.lower() or "act" in again.lower(), again
    assert not COUNTER_LINE.search(again), again
