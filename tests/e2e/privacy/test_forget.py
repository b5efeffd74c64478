"""`python -m bot forget SENDER_ID` against the real servers: the conversation is gone from the store,
and the assistant no longer knows it (Rasa reads the tracker from the store on every turn)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_forget_erases_a_conversation_from_the_store(stack, sender):
    stack.say(sender, "what is the z-route?")
    with sqlite3.connect(stack.tracker_db) as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0] > 0
    run = subprocess.run(
        [sys.executable, "-m", "bot", "forget", sender, "--db", str(stack.tracker_db)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and "stored events removed" in run.stdout, run.stderr
    with sqlite3.connect(stack.tracker_db) as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0] == 0
    events = stack.tracker(sender)["events"]
    assert not any(e.get("event") == "user" for e in events), events
