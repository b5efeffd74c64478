"""Retention while the assistant runs: a real Rasa server with our tracker store and a 1-second purge interval,
on SQLite and on PostgreSQL. Conversations whose last event is older than RETENTION_DAYS are deleted by the
store's own purge thread (rows are written while Rasa is already running, so it is the periodic round, not the
start-up one, that removes them); recent conversations and conversations still going on stay."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from bot.ops import supervisor as servers
from tests.support.stack import stop_services

pytestmark = pytest.mark.e2e

DAY = 86400.0
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def rows(now: float) -> list[tuple[str, str, float, str]]:
    """(sender, type, timestamp, data): one expired conversation, one recent, one old but still going on."""

    def user(sender: str, ts: float) -> tuple[str, str, float, str]:
        return sender, "user", ts, json.dumps({"event": "user", "timestamp": ts, "text": "hello"})

    return [
        user("expired", now - 45 * DAY),
        user("expired", now - 31 * DAY),
        user("recent", now - 2 * DAY),
        user("ongoing", now - 90 * DAY),
        user("ongoing", now - 60),
    ]


class SQLite:
    def __init__(self, path: Path) -> None:
        self.path = path

    def insert(self, items) -> None:
        with sqlite3.connect(self.path) as db:
            db.execute(SCHEMA)
            db.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)", items)

    def senders(self) -> set[str]:
        with sqlite3.connect(self.path) as db:
            return {r[0] for r in db.execute("SELECT DISTINCT sender_id FROM events")}


class Postgres:
    def __init__(self, port: int) -> None:
        self.url = f"postgresql://{servers.PG_USER}@127.0.0.1:{port}/{servers.PG_DB}"

    def insert(self, items) -> None:
        import psycopg2

        with psycopg2.connect(self.url) as db, db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (%s, %s, %s, %s)", items
            )

    def senders(self) -> set[str]:
        import psycopg2

        with psycopg2.connect(self.url) as db, db.cursor() as cursor:
            cursor.execute("SELECT DISTINCT sender_id FROM events")
            return {r[0] for r in cursor.fetchall()}


def wait_until(check, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def run_and_purge(tmp: Path, store, endpoints: Path, extra_env: dict[str, str]) -> None:
    port = servers.free_port()
    env = {"WEGWIJZER_RETENTION_DAYS": "30", "WEGWIJZER_PURGE_INTERVAL_SECONDS": "1", **extra_env}
    rasa = servers.rasa_server(
        port,
        servers.free_port(),  # no action server: this test needs none
        tmp / "tracker.db",
        "http://localhost:8080",
        endpoints=endpoints,
        env=env,
        log_path=tmp / "rasa.log",
        token="retention-" + uuid.uuid4().hex[:8],
    )
    try:
        rasa.start().wait_ready(300)
        store.insert(rows(time.time()))
        assert "expired" in store.senders()
        assert wait_until(lambda: "expired" not in store.senders()), rasa.tail()
        assert store.senders() == {"recent", "ongoing"}
        log = rasa.tail(400)
        assert "purged 1 conversations (2 events) older than 30 days" in log
        assert "hello" not in log and "expired" not in log  # counts only: no text, no sender ids
    finally:
        stop_services([rasa])


def test_retention_purge_while_rasa_runs_sqlite(tmp_path):
    store = SQLite(tmp_path / "tracker.db")
    run_and_purge(tmp_path, store, servers.ROOT / "endpoints.yml", {})


@pytest.mark.scale
def test_retention_purge_while_rasa_runs_postgres(tmp_path):
    pg_port = servers.free_port()
    pg_dir = Path(tempfile.mkdtemp(prefix="wegwijzer-pg-"))  # the cluster runs as `postgres`
    pg = servers.postgres(pg_dir, pg_port)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n"
        "  type: bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore\n"
        "  dialect: postgresql\n"
        f"  url: 127.0.0.1\n  port: {pg_port}\n  db: {servers.PG_DB}\n"
        f"  username: {servers.PG_USER}\n  password: not-used-with-local-trust-auth\n"
    )
    try:
        pg.start().wait_ready(60)
        servers.create_database(pg_port)
        run_and_purge(tmp_path, Postgres(pg_port), endpoints, {})
    finally:
        stop_services([pg])
        shutil.rmtree(pg_dir, ignore_errors=True)
