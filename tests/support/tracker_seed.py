"""A tracker store seeded with known conversations, written the way Rasa's SQLTrackerStore writes them: either
directly (`write_sqlite`: its `events` table, one row per `Event.as_dict()`), or by Rasa itself
(`write_with_rasa`: the same events through `rasa.core.tracker_store.SQLTrackerStore.save` in .venv-rasa).

The seeded period is the three days before and including `today` (10:00 local time, STAFF_TIMEZONE), plus one
conversation 20 days earlier that no report of those three days may count."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot import settings
from bot.core import messages
from bot.tools.insight import timezone

RASA_PY = settings.PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
Z_GUIDE = "What is the Z-route and who is it for?"
Z_URL = "https://www.inburgeren.nl/en/z-route"  # a test value: nothing checks it against the knowledge base
COUNTER_GUIDE = "Where do you arrange what?"
COUNTER_URL = "https://www.inburgeren.nl/en/exam"


def user(ts: float, text: str, intent: str) -> dict[str, Any]:
    return {
        "event": "user",
        "timestamp": ts,
        "metadata": {},
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.97},
            "entities": [],
            "text": text,
            "message_id": uuid.uuid4().hex,
            "metadata": {},
            "intent_ranking": [{"name": intent, "confidence": 0.97}],
        },
        "input_channel": "rest",
        "message_id": uuid.uuid4().hex,
    }


def bot(ts: float, text: str, utter_action: str | None = None) -> dict[str, Any]:
    return {
        "event": "bot",
        "timestamp": ts,
        "metadata": {"utter_action": utter_action} if utter_action else {},
        "text": text,
        "data": {
            "elements": None,
            "quick_replies": None,
            "buttons": None,
            "attachment": None,
            "image": None,
            "custom": None,
        },
    }


def action(ts: float, name: str) -> dict[str, Any]:
    return {
        "event": "action",
        "timestamp": ts,
        "metadata": {},
        "name": name,
        "policy": "RulePolicy",
        "confidence": 1.0,
        "action_text": None,
        "hide_rule_turn": False,
    }


def slot(ts: float, name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": ts, "metadata": {}, "name": name, "value": value}


def at(day: date, minute: int) -> float:
    return datetime.combine(day, time(10, 0), timezone()).timestamp() + 60 * minute


def answer_text(passage: str, guide: str, url: str) -> str:
    return f"{passage}\n\n{messages.SOURCE_LINE.format(guide=guide, url=url)}"


Z_PASSAGE = "The Z-route is a route for people who cannot learn Dutch to level B1 in the normal way."


def conversations(today: date) -> dict[str, list[dict[str, Any]]]:
    d0, d1, d2 = today - timedelta(days=2), today - timedelta(days=1), today
    old = today - timedelta(days=20)
    return {
        "conv-a": [  # day 0: greeting, an answer rated not helpful, an abstained question
            action(at(d0, 0), "action_session_start"),
            action(at(d0, 0), "action_listen"),
            user(at(d0, 1), "hello", "greet"),
            action(at(d0, 1), "utter_greet"),
            bot(at(d0, 1), "Hi! I am Wegwijzer.", "utter_greet"),
            action(at(d0, 1), "action_listen"),
            user(at(d0, 2), "what is the z-route?", "ask_question"),
            action(at(d0, 2), "action_search_knowledge"),
            bot(at(d0, 2), answer_text(Z_PASSAGE, Z_GUIDE, Z_URL)),
            slot(at(d0, 2), "last_question", "what is the z-route?"),
            slot(at(d0, 2), "last_guide", Z_GUIDE),
            slot(at(d0, 2), "feedback", None),
            action(at(d0, 2), "action_listen"),
            user(at(d0, 3), "/feedback_negative", "feedback_negative"),
            action(at(d0, 3), "action_feedback"),
            bot(at(d0, 3), f"{messages.FEEDBACK_THANKS} {messages.FEEDBACK_SORRY}"),
            slot(at(d0, 3), "feedback", "not_helpful"),
            slot(at(d0, 3), "failed_attempts", 1.0),
            action(at(d0, 3), "action_listen"),
            user(at(d0, 4), "can i bring my dog to the exam", "ask_question"),
            action(at(d0, 4), "action_search_knowledge"),
            bot(at(d0, 4), messages.ABSTAIN),
            slot(at(d0, 4), "failed_attempts", 2.0),
            action(at(d0, 4), "action_listen"),
        ],
        "conv-b": [  # day 1: out of scope (from the action), abstained after a privacy note, the finder answered
            action(at(d1, 0), "action_session_start"),
            user(at(d1, 1), "what is the weather in utrecht tomorrow", "out_of_scope"),
            action(at(d1, 1), "action_out_of_scope"),
            bot(at(d1, 1), "Sorry, I can only help with civic integration.", "utter_out_of_scope"),
            action(at(d1, 1), "action_listen"),
            user(at(d1, 2), "my bsn is [bsn], are pets allowed in the exam room", "ask_question"),
            action(at(d1, 2), "action_search_knowledge"),
            bot(at(d1, 2), f"{messages.PRIVACY_NOTE}\n\n{messages.ABSTAIN}"),
            action(at(d1, 2), "action_listen"),
            user(at(d1, 3), "which counter do i go to?", "ask_counter"),
            action(at(d1, 3), "action_route_counter"),
            slot(at(d1, 3), "counter_route", "finder"),
            slot(at(d1, 3), "need", None),
            action(at(d1, 3), "counter_form"),
            action(at(d1, 3), "action_ask_need"),
            bot(at(d1, 3), "What do you need to arrange?"),
            action(at(d1, 3), "action_listen"),
            user(at(d1, 4), '/inform{"need":"book_exam"}', "inform"),
            action(at(d1, 4), "counter_form"),
            slot(at(d1, 4), "need", "book_exam"),
            slot(at(d1, 4), "requested_slot", None),
            action(at(d1, 4), "action_counter_answer"),
            bot(at(d1, 4), answer_text("For booking an exam, go to DUO.", COUNTER_GUIDE, COUNTER_URL)),
            slot(at(d1, 4), "need", None),
            slot(at(d1, 4), "counter_route", None),
            action(at(d1, 4), "action_listen"),
        ],
        "conv-c": [  # day 2: KNM practice, a finder left, out of scope from the rule's response
            user(at(d2, 1), "practise knm", "practise_knm"),
            action(at(d2, 1), "action_start_knm"),
            slot(at(d2, 1), "knm", {"stage": "question", "totals": {"housing": [2, 3]}}),
            user(at(d2, 2), "b", "knm_answer"),
            slot(at(d2, 2), "knm", {"stage": "theme", "totals": {"housing": [3, 5], "work_and_income": [1, 2]}}),
            user(at(d2, 3), "where do i go for this", "ask_counter"),
            action(at(d2, 3), "action_route_counter"),
            slot(at(d2, 3), "counter_route", "finder"),
            slot(at(d2, 3), "need", "exam_exemption"),
            user(at(d2, 4), "stop", "stop"),
            action(at(d2, 4), "action_end_counter_finder"),
            slot(at(d2, 4), "need", None),
            slot(at(d2, 4), "counter_route", None),
            user(at(d2, 5), "what is the weather in amsterdam this weekend", "out_of_scope"),
            action(at(d2, 5), "utter_out_of_scope"),
            bot(at(d2, 5), "Sorry, I can only help with civic integration.", "utter_out_of_scope"),
        ],
        "conv-d": [  # day 2: the finder still asking when the conversation ends; another KNM conversation
            user(at(d2, 10), "which office handles my exam booking", "ask_counter"),
            action(at(d2, 10), "action_route_counter"),
            slot(at(d2, 10), "counter_route", "finder"),
            slot(at(d2, 10), "need", "book_exam"),
            slot(at(d2, 10), "knm", {"totals": {"housing": [1, 1]}}),
        ],
        "conv-old": [  # outside the period
            user(at(old, 1), "an old question nobody answered", "ask_question"),
            action(at(old, 1), "action_search_knowledge"),
            bot(at(old, 1), messages.ABSTAIN),
        ],
    }


CREATE_EVENTS = (
    "CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def write_sqlite(path: Path, convs: dict[str, list[dict[str, Any]]]) -> Path:
    """As SQLTrackerStore.save: type_name, timestamp, the intent and action name columns, data = json.dumps."""
    with sqlite3.connect(path) as db:
        db.execute(CREATE_EVENTS)
        db.execute("CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)")
        for sender, events in convs.items():
            for event in events:
                db.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        sender,
                        event["event"],
                        event["timestamp"],
                        (event.get("parse_data") or {}).get("intent", {}).get("name"),
                        event.get("name"),
                        json.dumps(event),
                    ),
                )
    return path


_RASA_WRITER = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

path, convs = sys.argv[1], json.load(sys.stdin)
store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=path)
for sender, events in convs.items():
    tracker = DialogueStateTracker.from_events(sender, [Event.from_parameters(e) for e in events])
    asyncio.run(store.save(tracker))
"""


def write_with_rasa(path: Path, convs: dict[str, list[dict[str, Any]]]) -> Path:
    """The same events saved by Rasa's own SQLTrackerStore (its schema, its serialisation)."""
    subprocess.run(
        [str(RASA_PY), "-c", _RASA_WRITER, str(path)],
        input=json.dumps(convs),
        text=True,
        check=True,
        capture_output=True,
        timeout=300,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
    )
    return path
