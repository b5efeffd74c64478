"""Against the real servers: erasure on the user's request (the Rasa-side hook in the tracker store) and no
personal data in any log file or in the tracker store after PII is sent over REST."""

from __future__ import annotations

import json
import sqlite3
import urllib.request

import pytest

from bot.core.contract import Action

pytestmark = pytest.mark.e2e

PII = ("111222333", "NL91ABNA0417164300", "jan.jansen@example.org", "0612345678")


def stored_events(stack, sender: str) -> int:
    with sqlite3.connect(stack.tracker_db) as db:
        return db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


def append_events(stack, sender: str, events: list[dict]) -> None:
    """What happens when an action runs: Rasa adds its events to the tracker and saves it through the store."""
    request = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{sender}/tracker/events?token={stack.token}",
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def test_a_turn_that_ran_the_erase_action_erases_the_conversation(stack, sender):
    stack.say(sender, "what is the z-route?")
    assert stored_events(stack, sender) > 0
    append_events(stack, sender, [{"event": "action", "name": "action_search_knowledge"}])
    assert stored_events(stack, sender) > 0  # any other action: the turn is saved as usual
    stack.say(sender, "delete my conversation")
    append_events(stack, sender, [{"event": "action", "name": Action.ERASE_CONVERSATION}])
    assert stored_events(stack, sender) == 0
    # the same sender id now starts a new conversation that knows nothing of the old one
    stack.say(sender, "hello")
    texts = [e.get("text") for e in stack.tracker(sender)["events"] if e["event"] == "user"]
    assert texts == ["hello"]


def test_no_personal_data_in_logs_or_tracker_store(stack, sender):
    stack.say(sender, "my bsn is 111222333 and my iban is NL91ABNA0417164300, what counter do I need?")
    stack.say(sender, "you can mail me at jan.jansen@example.org or call 0612345678")
    stack.say(sender, "what is the z-route? my number is 0612345678")
    assert stored_events(stack, sender) > 0
    logs = sorted(stack.rasa.log_path.parent.glob("*.log"))
    assert {p.name for p in logs} >= {"actions.log", "rasa.log", "web.log"}
    for path in [*logs, stack.tracker_db]:
        content = path.read_bytes().decode(errors="replace")
        for value in PII:
            assert value not in content, f"{value} found in {path.name}"
    with sqlite3.connect(stack.tracker_db) as db:
        stored = "\n".join(r[0] for r in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)))
    assert "[bsn]" in stored and "[iban]" in stored and "[email]" in stored and "[phone]" in stored
