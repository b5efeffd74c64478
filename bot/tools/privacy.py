"""`python -m bot forget SENDER_ID` and `python -m bot purge --older-than DAYS`: erase conversations from
Rasa's tracker store (the `events` table, SQLite by default or PostgreSQL when scaled). Feedback and the
feedback report live in the same rows, so they go with them. The conditions are shared with the Rasa-side
erasure and the automatic retention purge (bot/core/privacy.py, bot/rasa_plugins/tracker_store.py)."""

from __future__ import annotations

import os
import re
import sqlite3
from typing import Any

from bot import settings
from bot.core.privacy import FORGET_WHERE, PURGE_WHERE, purge_cutoff


def tracker_db(explicit: str | None = None) -> str:
    return explicit or os.environ.get("TRACKER_DB") or str(settings.VAR_DIR / "tracker.db")


def _is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def _delete(db: str, where: str, params: dict[str, Any]) -> tuple[int, int]:
    """Delete the matching event rows; returns (events deleted, conversations touched)."""
    count_sql = f"SELECT COUNT(*), COUNT(DISTINCT sender_id) FROM events WHERE {where}"
    delete_sql = f"DELETE FROM events WHERE {where}"
    if _is_postgres(db):
        import psycopg2

        with psycopg2.connect(db) as conn, conn.cursor() as cursor:
            cursor.execute(_pyformat(count_sql), params)
            events, senders = cursor.fetchone()
            cursor.execute(_pyformat(delete_sql), params)
        return int(events), int(senders)
    with sqlite3.connect(db) as conn:
        events, senders = conn.execute(count_sql, params).fetchone()
        conn.execute(delete_sql, params)
    return int(events), int(senders)


def _pyformat(sql: str) -> str:
    """:name parameters (SQLite, SQLAlchemy) as psycopg2's %(name)s."""
    return re.sub(r":(\w+)", r"%(\1)s", sql)


def forget(sender_id: str, db: str) -> int:
    """Every stored event of one conversation; returns how many were removed."""
    return _delete(db, FORGET_WHERE, {"sender_id": sender_id})[0]


def purge(older_than_days: float, db: str, now: float | None = None) -> tuple[int, int]:
    """Conversations whose last event is older than the cutoff, removed whole (a conversation that is still
    going on keeps its earlier turns)."""
    return _delete(db, PURGE_WHERE, {"cutoff": purge_cutoff(older_than_days, now)})


def _store_exists(db: str) -> bool:
    return _is_postgres(db) or os.path.exists(db)


def main_forget(args) -> int:
    db = tracker_db(args.db)
    removed = forget(args.sender_id, db) if _store_exists(db) else 0
    print(f"forgot conversation {args.sender_id!r}: {removed} stored events removed from {db}")
    return 0


def main_purge(args) -> int:
    db = tracker_db(args.db)
    events, senders = purge(args.older_than, db) if _store_exists(db) else (0, 0)
    print(f"purged {senders} conversations older than {args.older_than:g} days ({events} events) from {db}")
    return 0
