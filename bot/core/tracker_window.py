"""A bounded tracker for long conversations: the rules, on events in Rasa's dict form. Standard library only;
the tracker store (bot/rasa_plugins/tracker_store.py) applies them.

Rasa 3.6 reloads and replays every event of the session on each turn, and its policies and the action
server then walk the whole history again: a turn costs more the longer the conversation is. The store
keeps every event in the database (the feedback report, `bot forget`/`purge` and the REST tracker read
them all) but loads only a window into the live tracker: the last `keep_turns` user messages and what
followed, behind a short *prefix* that restores the state at the window's start (the slots and an active
loop, as a new session with carried-over slots looks to Rasa).

Where the window starts and its prefix are stored as one extra row of Rasa's `events` table per
conversation (type WINDOW_TYPE, redacted like every row, replaced as the window moves). So whatever
deletes a conversation's rows (forget, purge, erasure on request) deletes its window too, and a window
whose first event is gone is not used (the full session is loaded instead).

A window only starts at a user message after the session's latest start, at least `keep_turns` user
messages (sent outside a form) back, and never inside an active form: there Rasa's form bookkeeping
(`applied_events`) looks back to the form's previous run (the store also checks this on the replayed state)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

WINDOW_TYPE = "wegwijzer_window"  # type_name of the window row in the events table; never a Rasa event
ACTION_LISTEN = "action_listen"


@dataclass(frozen=True)
class Window:
    first_event_id: int  # events table id of the window's first event (a user message)
    first_event_timestamp: float  # its timestamp: a re-used id (SQLite, after a delete) is not taken for it
    prefix: list[dict[str, Any]]  # events that restore the state before the first event


def choose_cut(events: Sequence[tuple[str, Optional[str]]], keep_turns: int) -> Optional[int]:
    """Index of the event the window should start at, given each event's (type, loop name of an `active_loop`
    event else None): the `keep_turns`-th last user message sent while no form was active, after the latest
    session start. None when there are no more than `keep_turns` such messages.

    Messages inside a form do not count: Rasa folds a form's turns into a few states, so counting them could
    leave fewer states in the window than the policies look back (MemoizationPolicy: 5); each message outside
    a form adds at least two."""
    users: list[int] = []
    loop: Optional[str] = None
    for i, (kind, name) in enumerate(events):
        if kind == "session_started":
            users, loop = [], None
        elif kind == "restart":
            loop = None
        elif kind == "active_loop":
            loop = name
        elif kind == "user" and loop is None:
            users.append(i)
    if keep_turns < 1 or len(users) <= keep_turns:
        return None
    return users[-keep_turns]


def prefix_events(
    changed_slots: Mapping[str, Any], active_loop: Optional[str], paused: bool, timestamp: float
) -> list[dict[str, Any]]:
    """Events (Rasa dicts) that rebuild a state: a session start, the slots that differ from their initial
    values, the active loop, a pause, then listening (the window starts with a user message)."""
    events: list[dict[str, Any]] = [{"event": "session_started", "timestamp": timestamp}]
    for name, value in changed_slots.items():
        events.append({"event": "slot", "name": name, "value": value, "timestamp": timestamp})
    if active_loop:
        events.append({"event": "active_loop", "name": active_loop, "timestamp": timestamp})
    if paused:
        events.append({"event": "pause", "timestamp": timestamp})
    events.append(
        {"event": "action", "name": ACTION_LISTEN, "policy": None, "confidence": None, "timestamp": timestamp}
    )
    return events


def window_record(window: Window, timestamp: float) -> dict[str, Any]:
    """The `data` of the window row. Its timestamp is that of the conversation's latest event, so that readers
    of the table that take a conversation's last timestamp (retention purge, staff statistics) see no change."""
    return {
        "event": WINDOW_TYPE,
        "first_event_id": window.first_event_id,
        "first_event_timestamp": window.first_event_timestamp,
        "prefix": window.prefix,
        "timestamp": timestamp,
    }


def parse_window(data: str) -> Optional[Window]:
    """The window in a stored row; None for anything malformed (the store then loads the full session)."""
    try:
        record = json.loads(data)
        window = Window(int(record["first_event_id"]), float(record["first_event_timestamp"]), list(record["prefix"]))
    except (ValueError, TypeError, KeyError):
        return None
    if record.get("event") != WINDOW_TYPE or not all(isinstance(e, dict) and "event" in e for e in window.prefix):
        return None
    return window


def window_is_valid(window: Window, rows: Sequence[tuple[int, str, Optional[float]]]) -> bool:
    """Can the window be used with these stored rows (id, type_name, timestamp), the conversation's events from
    the window's first event on? Its first event must still be there, and no new session may have started."""
    if not rows:
        return False
    first_id, first_type, first_timestamp = rows[0]
    return (
        first_id == window.first_event_id
        and first_type == "user"
        and first_timestamp == window.first_event_timestamp
        and not any(kind == "session_started" for _, kind, _ in rows)
    )
