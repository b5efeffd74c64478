"""Run in .venv-rasa (tests/integration/test_tracker_window_store.py starts it): drive the real
RedactingSQLTrackerStore through a long conversation, turn by turn as Rasa does (retrieve, add the turn's
events, save), beside a reference tracker that holds every event, and fail on the first difference:

- the stored rows are exactly the reference events, each once, in order (the window row aside);
- the windowed tracker has the same slots (the reference replays the redacted events, as a full reload would), active loop and latest message as the reference, and the same
  last `max_history` featurised states (what the policies predict from);
- the live tracker stays bounded while the conversation grows.

Usage: python tests/support/tracker_window_check.py DB_PATH [TURNS]. Prints one JSON line with figures."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot import settings  # noqa: E402
from bot.core.pii import redact_value  # noqa: E402
from bot.core.tracker_window import WINDOW_TYPE  # noqa: E402
from bot.rasa_plugins.tracker_store import RedactingSQLTrackerStore  # noqa: E402

MAX_HISTORY = 5
SENDER = "window-check"


def user(text: str, intent: str) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0}, parse_data={"text": text, "intent": {"name": intent}})


def turn_events(i: int) -> list[Event]:
    """A fixed 6-turn cycle: greeting, question (sets the topic slots), thanks, counter finder start (form
    active), its first answer (form still active: the window must not start inside it), stop."""
    kind = i % 6
    listen = ActionExecuted("action_listen")
    if kind == 0:
        return [user("hello", "greet"), ActionExecuted("utter_greet"), BotUttered("Hi!"), listen]
    if kind == 1:
        return [
            user(f"what is the z-route? ({i})", "ask_question"),
            ActionExecuted("action_search_knowledge"),
            BotUttered(f"answer {i}"),
            SlotSet("last_question", f"what is the z-route? mail me at a.b@example.com ({i})"),
            SlotSet("last_guide", "z-route" if i % 12 == 1 else "b1-route"),
            listen,
        ]
    if kind == 2:
        return [user("thanks", "thank"), ActionExecuted("utter_you_are_welcome"), listen]
    if kind == 3:
        return [
            user("/ask_counter", "ask_counter"),
            ActionExecuted("counter_form"),
            ActiveLoop("counter_form"),
            SlotSet("requested_slot", "need"),
            ActionExecuted("action_ask_need"),
            BotUttered("What do you need?"),
            listen,
        ]
    if kind == 4:
        return [
            user('/inform{"need":"pay_or_loan"}', "inform"),
            ActionExecuted("counter_form"),
            SlotSet("need", "pay_or_loan"),
            SlotSet("requested_slot", "integration_act"),
            ActionExecuted("action_ask_integration_act"),
            BotUttered("Which act?"),
            listen,
        ]
    return [
        user("/stop", "stop"),
        ActionExecuted("counter_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        SlotSet("need", None),
        ActionExecuted("utter_ok"),
        BotUttered("OK"),
        listen,
    ]


def stored(db: Path) -> list[dict]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (SENDER,))
        return [json.loads(data) for kind, data in rows if kind != WINDOW_TYPE]


def comparable(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in ("metadata",)}


def state_of(tracker: DialogueStateTracker) -> tuple:
    return (
        tracker.current_slot_values(),
        tracker.active_loop_name,
        tracker.latest_message.text if tracker.latest_message else None,
    )


async def run(db: Path, turns: int) -> dict:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
    tracker = await store.get_or_create_tracker(SENDER, append_action_listen=True)
    reference = DialogueStateTracker.from_events(SENDER, list(tracker.events), domain.slots)
    sizes = []
    for i in range(turns):
        tracker = await store.get_or_create_tracker(SENDER)
        sizes.append(len(tracker.events))
        assert state_of(tracker) == state_of(reference), (i, state_of(tracker), state_of(reference))
        mine = tracker.past_states(domain)[-MAX_HISTORY:]
        theirs = reference.past_states(domain)[-MAX_HISTORY:]
        assert mine == theirs, (i, mine, theirs)
        for event in turn_events(i):
            tracker.update(event)
            reference.update(Event.from_parameters(redact_value(event.as_dict())))  # what a full reload sees
        await store.save(tracker)
        await store.save(tracker)  # saving the same tracker again adds nothing
        rows = stored(db)
        expected = [comparable(e.as_dict()) for e in reference.events]
        got = [comparable(e) for e in rows]
        assert len(got) == len(expected), (i, len(got), len(expected))
        for n, (g, e) in enumerate(zip(got, expected)):
            assert g == e, (i, n, g, e)
    with sqlite3.connect(db) as conn:
        windows = conn.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = ?", (SENDER, WINDOW_TYPE)
        ).fetchone()[0]
        window_data = "".join(r[0] for r in conn.execute("SELECT data FROM events WHERE type_name = ?", (WINDOW_TYPE,)))
    full = await store.retrieve_full_tracker(SENDER)
    return {
        "turns": turns,
        "window_turns": settings.TRACKER_WINDOW_TURNS,
        "stored_events": len(stored(db)),
        "window_rows": windows,
        "window_has_pii": "example.com" in window_data,
        "live_events_first_10": max(sizes[:10]),
        "live_events_max": max(sizes),
        "live_events_last": sizes[-1],
        "full_tracker_events": len(full.events) if full else 0,
    }


if __name__ == "__main__":
    figures = asyncio.run(run(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 120))
    print(json.dumps(figures))
