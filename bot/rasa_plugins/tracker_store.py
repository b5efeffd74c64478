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
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
from bot.core.pii import redact_value
from bot.core.privacy import FORGET_WHERE, PURGE_WHERE, erase_requested, purge_cutoff
from bot.rasa_plugins import patches

patches.apply()  # RemoteAction: polite reply when the action server is down, validator built once

logger = logging.getLogger(__name__)

_purging: set[str] = set()  # database URLs with a running purge thread (Rasa may build the store twice)
_purging_lock = threading.Lock()


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start_retention()

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            data = event.as_dict()
            redacted = redact_value(data)
            yield event if redacted == data else Event.from_parameters(redacted)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if erase_requested(event.as_dict() for event in reversed(tracker.events)):
            removed, _ = self._delete(FORGET_WHERE, {"sender_id": tracker.sender_id})
            logger.info("privacy: a conversation was erased on the user's request (%d stored events)", removed)
            return
        await super().save(tracker)

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
