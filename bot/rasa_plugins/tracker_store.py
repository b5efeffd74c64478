"""SQL tracker store that redacts personal data before events are written (runs in .venv-rasa).

Rasa keeps the live tracker in memory for the current turn, so the turn itself still sees what the
user typed; only what reaches the database (SQLite by default, PostgreSQL when scaled) is redacted:
user text, parse data and entities, slot values, bot text. Configure in endpoints.yml:
  tracker_store: {type: bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore, dialect: ..., db: ...}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.pii import redact_value
from bot.rasa_plugins import patches

patches.apply()  # RemoteAction: polite reply when the action server is down, validator built once


class RedactingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            data = event.as_dict()
            redacted = redact_value(data)
            yield event if redacted == data else Event.from_parameters(redacted)
