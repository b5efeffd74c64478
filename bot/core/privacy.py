"""The rules of the privacy lifecycle, shared by the Rasa tracker store (erasure on request, periodic retention
purge) and `python -m bot forget|purge`: which stored rows a purge or an erasure removes, and how an action asks
for its own conversation to be erased. Standard library only.

Erasing from inside an action is not possible directly: Rasa saves the tracker *after* the action has run, so
rows deleted by the action would simply be written again (Rasa re-inserts every event the store does not hold).
Instead the action asks for it: when the events since the last user message include the action
`Action.ERASE_CONVERSATION`, `RedactingSQLTrackerStore.save` deletes every stored row of the conversation
instead of saving the turn. The next message from that sender starts a new, empty conversation."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.contract import Action

# SQL conditions on Rasa's `events` table (SQLite and PostgreSQL), with named parameters (:name).
FORGET_WHERE = "sender_id = :sender_id"
# A conversation is removed whole when its *last* event is older than the cutoff: a conversation that is still
# going on keeps its earlier turns.
PURGE_WHERE = "sender_id IN (SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"

# Sent by the action that erased a conversation, before its last reply: the widget then clears its transcript
# and starts a new session id. Shape for Rasa's socket.io channel (`sio.emit(event, **json_message)`); other
# channels ignore it (REST shows it under "custom", Telegram sends nothing for it).
ERASED_SIGNAL_KEY = "wegwijzer"
ERASED_SIGNAL_VALUE = "conversation_erased"


def erased_signal() -> dict[str, Any]:
    """The `json_message` for `dispatcher.utter_message(json_message=...)`."""
    return {"data": {ERASED_SIGNAL_KEY: ERASED_SIGNAL_VALUE}}


def purge_cutoff(older_than_days: float, now: float | None = None) -> float:
    """Unix time before which a conversation's last event makes it expire."""
    return (time.time() if now is None else now) - older_than_days * 86400


def erase_requested(events_newest_first: Iterable[Mapping[str, Any]]) -> bool:
    """True when the current turn (the events after the last user message, given newest first as Rasa's
    `Event.as_dict()`) ran the erase action."""
    for event in events_newest_first:
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "action" and event.get("name") == Action.ERASE_CONVERSATION:
            return True
    return False
