"""`python -m bot feedback-report`: the worst-rated questions, read from Rasa's tracker store.

The actions store each answered question in the `last_question` slot and each rating in the
`feedback` slot, so the report only needs the tracker store's `events` table (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Optional

from bot import settings


@dataclass
class Rating:
    question: str
    guide: Optional[str]
    helpful: int = 0
    not_helpful: int = 0
    senders: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


def _rows_sqlite(path: str) -> Iterator[tuple[str, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        yield from db.execute("SELECT sender_id, data FROM events WHERE type_name = 'slot' ORDER BY sender_id, id")


def _rows_postgres(url: str) -> Iterator[tuple[str, str]]:
    import psycopg2

    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT sender_id, data FROM events WHERE type_name = 'slot' ORDER BY sender_id, id")
        yield from cursor


def slot_events(db: str) -> Iterator[tuple[str, str]]:
    if db.startswith(("postgresql://", "postgres://")):
        return _rows_postgres(db)
    return _rows_sqlite(db)


def collect(rows: Iterable[tuple[str, str]]) -> list[Rating]:
    ratings: dict[str, Rating] = {}
    state: dict[str, dict[str, Optional[str]]] = defaultdict(dict)
    for sender, data in rows:
        event = json.loads(data)
        name, value = event.get("name"), event.get("value")
        if name in ("last_question", "last_guide"):
            state[sender][name] = value
        elif name == "feedback" and value in ("helpful", "not_helpful"):
            question = state[sender].get("last_question")
            if not question:
                continue
            key = " ".join(question.lower().split())
            rating = ratings.setdefault(key, Rating(question, state[sender].get("last_guide")))
            if value == "helpful":
                rating.helpful += 1
            else:
                rating.not_helpful += 1
            rating.senders.add(sender)
    return sorted(ratings.values(), key=lambda r: (-r.not_helpful, r.helpful, r.question))


def render(ratings: list[Rating], limit: int) -> str:
    if not ratings:
        return "no feedback in the tracker store yet"
    lines = [f"{'not helpful':>11} {'helpful':>7}  question  →  guide answered"]
    for r in ratings[:limit]:
        lines.append(f"{r.not_helpful:>11} {r.helpful:>7}  {r.question[:80]}  →  {r.guide or '-'}")
    total = sum(r.total for r in ratings)
    bad = sum(r.not_helpful for r in ratings)
    lines.append(f"{total} ratings on {len(ratings)} questions; {bad} not helpful")
    return "\n".join(lines)


def main(args) -> int:
    db = args.db or os.environ.get("TRACKER_DB") or str(settings.VAR_DIR / "tracker.db")
    if not db.startswith(("postgresql://", "postgres://")) and not os.path.exists(db):
        print(f"no tracker store at {db} (pass --db PATH or a postgresql:// URL)")
        return 1
    print(render(collect(slot_events(db)), args.limit))
    return 0
