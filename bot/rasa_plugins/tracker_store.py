"""SQL tracker store that redacts personal data before events are written, erases a conversation when the user
asked for it, and purges expired conversations while Rasa runs (runs in .venv-rasa).

Rasa keeps the live tracker in memory for the current turn, so the turn itself still sees what the
user typed; only what reaches the database (SQLite by default, PostgreSQL when scaled) is redacted:
user text, parse data and entities, slot values, bot text. Configure in endpoints.yml:
  tracker_store: {type: bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore, dialect: ..., db: ...}

Erasure: a turn that ran `action_erase_conversation` is not saved; every stored row of that conversation is
deleted instead (see bot/core/privacy.py for why this happens here and not in the action).
Retention: a daemon thread deletes conversations whose last event is older than settings.RETENTION_DAYS, once
at start and then every settings.PURGE_INTERVAL_SECONDS (each replica of a scaled set-up does it; the delete is
idempotent). It logs counts only, never sender ids or text.
Long conversations: the live tracker is a bounded window over the stored events (bot/core/tracker_window.py),
so a turn costs the same at turn 300 as at turn 10; every event is still stored, exactly once.
Database restarts: a read or write that loses its connection is retried (fresh connections, growing pauses
that yield to other turns) for up to settings.TRACKER_STORE_RETRY_SECONDS, so a PostgreSQL restart delays the
turns that meet it instead of answering them from an empty conversation that is never stored.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActiveLoop
from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
from bot.core.pii import redact_value
from bot.core.privacy import FORGET_WHERE, PURGE_WHERE, erase_requested, purge_cutoff
from bot.core.tracker_window import (
    WINDOW_TYPE,
    Window,
    choose_cut,
    parse_window,
    prefix_events,
    window_is_valid,
    window_record,
)
from bot.rasa_plugins import patches

patches.apply()  # RemoteAction: polite reply when the action server is down, validator built once

logger = logging.getLogger(__name__)

_purging: set[str] = set()  # database URLs with a running purge thread (Rasa may build the store twice)
_purging_lock = threading.Lock()

# Errors of a lost or refused database connection (a restart, a failover); anything else is not retried.
_TRANSIENT = (sa.exc.OperationalError, sa.exc.InterfaceError)

LOADED = "_wegwijzer_loaded"  # attribute of a tracker this store built: how it lines up with the stored rows


@dataclass(frozen=True)
class Loaded:
    """How a live tracker lines up with the events table: its first `prefix_len` events are the window's prefix
    (not stored rows), `rows` are (id, timestamp) of the stored events that follow, in order, and the first
    `saved_len` events of the tracker are in the database (the prefix counted)."""

    prefix_len: int
    saved_len: int
    rows: list[tuple[int, Optional[float]]]


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_window_indexes()
        self._start_retention()

    # ------------------------------------------------------------ bounded window (bot/core/tracker_window.py)
    def _create_window_indexes(self) -> None:
        """The window row is found by (sender_id, type_name); PostgreSQL also needs (sender_id, id) to read a
        conversation's tail without its whole history (SQLite's sender_id index already ends with the rowid)."""
        statements = ["CREATE INDEX IF NOT EXISTS ix_events_sender_type ON events (sender_id, type_name)"]
        if self.engine.dialect.name != "sqlite":
            statements.append("CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)")
        for statement in statements:
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.text(statement))
            except sa.exc.SQLAlchemyError as error:  # another replica creating it at the same moment
                logger.warning("tracker store: index not created (%s); reads are slower", type(error).__name__)

    def _event_query(self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        """Rasa's query for a conversation's events, without the window row (not a Rasa event)."""
        query = super()._event_query(session, sender_id, fetch_events_from_all_sessions)
        return query.filter(self.SQLEvent.type_name != WINDOW_TYPE)

    def _window_rows(self, session: Any, sender_id: str) -> Optional[tuple[list[dict[str, Any]], list[Any]]]:
        """(prefix, stored rows from the window's first event on), or None when there is no usable window."""
        found = (
            session.query(self.SQLEvent.data)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == WINDOW_TYPE)
            .order_by(self.SQLEvent.id.desc())
            .first()
        )
        window = parse_window(found[0]) if found else None
        if window is None:
            return None
        rows = [
            row
            for row in session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id >= window.first_event_id)
            .order_by(self.SQLEvent.id)
            if row.type_name != WINDOW_TYPE
        ]
        if not window_is_valid(window, [(row.id, row.type_name, row.timestamp) for row in rows]):
            return None
        return window.prefix, rows

    async def _retrying(self, what: str, operation: Callable[[], Any]) -> Any:
        """Run a database operation; on a lost connection, retry with fresh connections until
        TRACKER_STORE_RETRY_SECONDS have passed (then the error goes to Rasa as before)."""
        deadline = time.monotonic() + settings.TRACKER_STORE_RETRY_SECONDS
        pause = 0.25
        while True:
            try:
                result = operation()
                return await result if inspect.isawaitable(result) else result
            except _TRANSIENT as error:
                if time.monotonic() + pause > deadline:
                    logger.error("tracker store: %s failed (%s); giving up", what, type(error).__name__)
                    raise
                logger.warning("tracker store: %s failed (%s); retrying in %.2fs", what, type(error).__name__, pause)
                self.engine.dispose()  # drop the pool's dead connections
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The latest session's tracker: its window behind the prefix when there is one, else every event."""
        if settings.TRACKER_WINDOW_TURNS <= 0:
            return await self._retrying("read", lambda: super(RedactingSQLTrackerStore, self).retrieve(sender_id))
        return await self._retrying("read", lambda: self._read(sender_id))

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """Every session (the HTTP API's tracker, the staff tools): Rasa's read, retried like the others."""
        return await self._retrying(
            "read", lambda: super(RedactingSQLTrackerStore, self).retrieve_full_tracker(sender_id)
        )

    async def keys(self) -> Any:
        return await self._retrying("read", lambda: super(RedactingSQLTrackerStore, self).keys())

    def _read(self, sender_id: str) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            windowed = self._window_rows(session, sender_id)
            prefix, rows = windowed or ([], self._event_query(session, sender_id, False).all())
            stored = [json.loads(row.data) for row in rows]
            ids = [(row.id, row.timestamp) for row in rows]
        if not self.domain or not stored:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, prefix + stored, self.domain.slots)
        if len(tracker.events) == len(prefix) + len(stored):  # every row became an event: rows and events line up
            setattr(tracker, LOADED, Loaded(len(prefix), len(tracker.events), ids))
        return tracker

    def _insert(self, session: Any, sender_id: str, type_name: str, data: dict[str, Any]) -> Any:
        row = self.SQLEvent(
            sender_id=sender_id,
            type_name=type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name") if type_name != WINDOW_TYPE else None,
            data=json.dumps(data),
        )
        session.add(row)
        return row

    async def _save_turn(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (insert the events the store does not hold yet, redacted), then move the window."""
        await self.stream_events(tracker)
        loaded = await self._retrying("write", lambda: self._write(tracker))
        setattr(tracker, LOADED, loaded)

    def _write(self, tracker: DialogueStateTracker) -> Loaded:
        """One transaction: nothing of it is stored when it fails, so a retry writes the same events once."""
        loaded: Optional[Loaded] = getattr(tracker, LOADED, None)
        with self.session_scope() as session:
            if loaded is None:  # a tracker this store did not build: Rasa's rule, the session's rows come first
                stored = self._event_query(session, tracker.sender_id, False).with_entities(
                    self.SQLEvent.id, self.SQLEvent.timestamp
                )
                rows = [(row_id, timestamp) for row_id, timestamp in stored]
                loaded = Loaded(0, len(rows), rows)
            added = [
                self._insert(session, tracker.sender_id, event.type_name, redact_value(event.as_dict()))
                for event in itertools.islice(tracker.events, loaded.saved_len, None)
            ]
            session.flush()
            loaded = replace(
                loaded, saved_len=len(tracker.events), rows=loaded.rows + [(row.id, row.timestamp) for row in added]
            )
            self._move_window(session, tracker, loaded)
            session.commit()
        return loaded

    def _move_window(self, session: Any, tracker: DialogueStateTracker, loaded: Loaded) -> None:
        """Start the stored window `TRACKER_WINDOW_TURNS` user messages back, when that is later than now."""
        events = list(tracker.events)
        window_events = events[loaded.prefix_len :]
        if settings.TRACKER_WINDOW_TURNS <= 0 or not self.domain or len(window_events) != len(loaded.rows):
            return
        kinds = [
            (event.type_name, getattr(event, "name", None) if isinstance(event, ActiveLoop) else None)
            for event in events
        ]
        cut = choose_cut(kinds, settings.TRACKER_WINDOW_TURNS)
        if cut is None or cut <= loaded.prefix_len:  # nothing to cut, or the window already starts there
            return
        state = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], self.domain.slots)
        if state.active_loop_name:  # never inside a form (its bookkeeping looks back to the form's last run)
            return
        cut -= loaded.prefix_len  # from here on: index into window_events and loaded.rows
        first_id, first_timestamp = loaded.rows[cut]
        timestamp = first_timestamp if first_timestamp is not None else window_events[cut].timestamp
        changed = {name: slot.value for name, slot in state.slots.items() if slot.value != slot.initial_value}
        window = Window(first_id, timestamp, prefix_events(changed, None, state.is_paused(), timestamp))
        session.query(self.SQLEvent).filter(
            self.SQLEvent.sender_id == tracker.sender_id, self.SQLEvent.type_name == WINDOW_TYPE
        ).delete(synchronize_session=False)
        latest = max((ts for _, ts in loaded.rows if ts is not None), default=timestamp)
        self._insert(session, tracker.sender_id, WINDOW_TYPE, redact_value(window_record(window, latest)))

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erase_requested(event.as_dict() for event in reversed(tracker.events)):
            removed, _ = await self._retrying(
                "erase", lambda: self._delete(FORGET_WHERE, {"sender_id": tracker.sender_id})
            )
            logger.info("privacy: a conversation was erased on the user's request (%d stored events)", removed)
            return
        await self._save_turn(tracker)

    def _delete(self, where: str, params: dict[str, Any]) -> tuple[int, int]:
        """Delete the matching event rows; returns (events deleted, conversations touched)."""
        with self.session_scope() as session:
            events, senders = session.execute(
                sa.text(f"SELECT COUNT(*), COUNT(DISTINCT sender_id) FROM events WHERE {where}"), params
            ).one()
            session.execute(sa.text(f"DELETE FROM events WHERE {where}"), params)
            session.commit()
        return int(events), int(senders)

    def purge_expired(self, older_than_days: float, now: float | None = None) -> tuple[int, int]:
        """Delete conversations whose last event is older than the cutoff: (events, conversations)."""
        return self._delete(PURGE_WHERE, {"cutoff": purge_cutoff(older_than_days, now)})

    def _start_retention(self) -> None:
        days, interval = settings.RETENTION_DAYS, settings.PURGE_INTERVAL_SECONDS
        if days <= 0 or interval <= 0:
            logger.info("privacy: automatic purge is off (RETENTION_DAYS=%g)", days)
            return
        key = str(self.engine.url)
        with _purging_lock:
            if key in _purging:
                return
            _purging.add(key)
        thread = threading.Thread(
            target=self._purge_forever, args=(days, interval), name="wegwijzer-retention", daemon=True
        )
        thread.start()
        logger.info(
            "privacy: conversations are purged %g days after their last message (checked every %gs)", days, interval
        )

    def _purge_forever(self, days: float, interval: float) -> None:
        stop = threading.Event()  # never set: the daemon thread ends with the process
        while True:
            try:
                events, senders = self.purge_expired(days)
                if events:
                    logger.info(
                        "privacy: purged %d conversations (%d events) older than %g days", senders, events, days
                    )
            except Exception as error:  # a database hiccup must not end the thread; the next round retries
                logger.warning("privacy: purge failed (%s); retrying in %gs", type(error).__name__, interval)
            stop.wait(interval)
