"""`python -m bot forget SENDER_ID` and `python -m bot purge --older-than DAYS`: erase conversations from
Rasa's tracker store (the `events` table, SQLite by default or PostgreSQL when scaled). Feedback and the
feedback report live in the same rows, so they go with them."""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any

from bot import settings


def tracker_db(explicit: str | None = None) -> str:
    return explicit or os.environ.get("TRACKER_DB") or str(settings.VAR_DIR / "tracker.db")


def _is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def _delete(db: str, where: str, params: tuple[Any, ...]) -> tuple[int, int]:
    """Delete the matching event rows; returns (events deleted, conversations touched)."""
    count_sql = f"SELECT COUNT(*), COUNT(DISTINCT sender_id) FROM events WHERE {where}"
    delete_sql = f"DELETE FROM events WHERE {where}"
    if _is_postgres(db):
        import psycopg2

        with psycopg2.connect(db) as conn, conn.cursor() as cursor:
            cursor.execute(count_sql.replace("?", "%s"), params)
            events, senders = cursor.fetchone()
            cursor.execute(delete_sql.replace("?", "%s"), params)
        return int(events), int(senders)
    with sqlite3.connect(db) as conn:
        events, senders = conn.execute(count_sql, params).fetchone()
        conn.execute(delete_sql, params)
    return int(events), int(senders)


def forget(sender_id: str, db: str) -> int:
    """Every stored event of one conversation; returns how many were removed."""
    return _delete(db, "sender_id = ?", (sender_id,))[0]


def purge(older_than_days: float, db: str, now: float | None = None) -> tuple[int, int]:
    """Conversations whose last event is older than the cutoff, removed whole (a conversation that is still
    going on keeps its earlier turns)."""
    cutoff = (now or time.time()) - older_than_days * 86400
    where = "sender_id IN (SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?)"
    return _delete(db, where, (cutoff,))


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
