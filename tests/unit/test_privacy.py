"""forget / purge on a tracker store with Rasa's `events` schema (SQLite; PostgreSQL uses the same SQL)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from bot.settings import PROJECT_ROOT
from bot.tools.privacy import forget, purge

DAY = 86400.0


def make_store(path, rows):
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
            "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
        )
        db.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')", rows)


def senders(path):
    with sqlite3.connect(path) as db:
        return sorted({r[0] for r in db.execute("SELECT sender_id FROM events")})


def test_forget_removes_one_conversation_and_nothing_else(tmp_path):
    db = tmp_path / "tracker.db"
    make_store(db, [("alice", 1.0), ("alice", 2.0), ("bob", 3.0)])
    assert forget("alice", str(db)) == 2
    assert senders(db) == ["bob"]
    assert forget("nobody", str(db)) == 0


def test_purge_removes_whole_conversations_whose_last_turn_is_old(tmp_path):
    db = tmp_path / "tracker.db"
    now = 100 * DAY
    make_store(
        db, [("old", now - 40 * DAY), ("old", now - 31 * DAY), ("ongoing", now - 60 * DAY), ("ongoing", now - DAY)]
    )
    assert purge(30, str(db), now=now) == (2, 1)
    assert senders(db) == ["ongoing"]


def test_cli_forget_exits_0_and_says_what_it_removed(tmp_path):
    db = tmp_path / "tracker.db"
    make_store(db, [("carol", 1.0)])
    for expected in ("1 stored events", "0 stored events"):  # also when there is nothing (left)
        run = subprocess.run(
            [sys.executable, "-m", "bot", "forget", "carol", "--db", str(db)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert expected in run.stdout


def test_erase_is_requested_only_by_the_erase_action_in_the_current_turn():
    from bot.core.contract import Action
    from bot.core.privacy import erase_requested

    erase = {"event": "action", "name": Action.ERASE_CONVERSATION}
    listen = {"event": "action", "name": "action_listen"}
    user = {"event": "user", "text": "yes"}
    bot = {"event": "bot", "text": "Done"}
    # newest first, as the tracker store passes them
    assert erase_requested([listen, bot, erase, user])
    assert not erase_requested([listen, bot, {"event": "action", "name": "action_search_knowledge"}, user])
    assert not erase_requested([listen, user, listen, erase, user])  # an earlier turn does not count
    assert not erase_requested([])


def test_sql_parameters_for_postgres():
    from bot.tools.privacy import _pyformat

    assert _pyformat("sender_id = :sender_id AND t < :cutoff") == "sender_id = %(sender_id)s AND t < %(cutoff)s"
