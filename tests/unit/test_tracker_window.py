"""The window rules of bot/core/tracker_window.py (the Rasa side is tested in tests/integration and tests/e2e)."""

from __future__ import annotations

import json

from bot.core.tracker_window import (
    WINDOW_TYPE,
    Window,
    choose_cut,
    parse_window,
    prefix_events,
    window_is_valid,
    window_record,
)

TURN = [("user", None), ("user_featurization", None), ("action", None), ("bot", None), ("slot", None), ("action", None)]
FORM_START = [("user", None), ("action", None), ("active_loop", "counter_form"), ("bot", None), ("action", None)]
FORM_STEP = [("user", None), ("action", None), ("slot", None), ("bot", None), ("action", None)]
FORM_END = [("user", None), ("action", None), ("active_loop", None), ("bot", None), ("action", None)]


def turns(n: int) -> list[tuple[str, None]]:
    return [("action", None), ("session_started", None), ("action", None)] + TURN * n


def users(events) -> list[int]:
    return [i for i, (kind, _) in enumerate(events) if kind == "user"]


def test_no_cut_while_the_session_has_at_most_keep_turns_user_messages():
    assert choose_cut(turns(3), keep_turns=3) is None
    assert choose_cut([], keep_turns=3) is None


def test_cut_at_the_keep_turns_th_last_user_message():
    events = turns(5)
    assert choose_cut(events, keep_turns=3) == users(events)[-3]
    assert choose_cut(events, keep_turns=1) == users(events)[-1]


def test_cut_never_before_the_latest_session_start():
    events = turns(6) + [("action", None), ("session_started", None)] + TURN * 2
    assert choose_cut(events, keep_turns=2) is None  # only 2 user messages in the new session
    events += TURN
    assert choose_cut(events, keep_turns=2) == users(events)[-2]


def test_messages_inside_a_form_do_not_count_and_the_cut_is_never_inside_one():
    events = turns(2) + FORM_START + FORM_STEP * 4 + FORM_END + TURN
    # user messages outside the form: 2 before, the one that starts it, the one after it
    outside = [users(events)[i] for i in (0, 1, 2, -1)]
    assert choose_cut(events, keep_turns=2) == outside[-2]  # the form's first message, before it is active
    assert choose_cut(events, keep_turns=1) == outside[-1]
    assert choose_cut(events, keep_turns=4) is None
    assert choose_cut(events + FORM_START + FORM_STEP * 3, keep_turns=1) == outside[-1] + len(TURN)
    restarted = turns(1) + FORM_START + FORM_STEP + [("restart", None), ("action", None)] + TURN
    assert choose_cut(restarted, keep_turns=1) == users(restarted)[-1]  # a restart ends the form


def test_keep_turns_below_one_never_cuts():
    assert choose_cut(turns(50), keep_turns=0) is None


def test_prefix_restores_slots_and_loop_then_listens():
    events = prefix_events({"last_guide": "z-route", "need": None}, "counter_form", paused=False, timestamp=5.0)
    assert [e["event"] for e in events] == ["session_started", "slot", "slot", "active_loop", "action"]
    assert events[1] == {"event": "slot", "name": "last_guide", "value": "z-route", "timestamp": 5.0}
    assert events[3]["name"] == "counter_form"
    assert events[-1]["name"] == "action_listen"
    assert all(e["timestamp"] == 5.0 for e in events)
    assert "pause" in [e["event"] for e in prefix_events({}, None, paused=True, timestamp=1.0)]
    assert [e["event"] for e in prefix_events({}, None, paused=False, timestamp=1.0)] == ["session_started", "action"]


def test_window_row_round_trip_and_malformed_rows():
    window = Window(42, 1700000000.25, prefix_events({"topic": "exams"}, None, False, 1700000000.25))
    record = window_record(window, 1700000100.5)
    assert record["event"] == WINDOW_TYPE and record["timestamp"] == 1700000100.5
    assert parse_window(json.dumps(record)) == window
    for bad in ("", "not json", "[]", json.dumps({**record, "event": "user"}), json.dumps({**record, "prefix": [1]})):
        assert parse_window(bad) is None
    assert parse_window(json.dumps({k: v for k, v in record.items() if k != "first_event_id"})) is None


def test_window_is_used_only_when_its_first_event_is_still_there_and_no_session_started():
    window = Window(10, 3.5, [])
    good = [(10, "user", 3.5), (11, "action", 3.6), (12, "bot", 3.7)]
    assert window_is_valid(window, good)
    assert not window_is_valid(window, [])
    assert not window_is_valid(window, good[1:])  # first event deleted
    assert not window_is_valid(window, [(10, "user", 9.0), *good[1:]])  # id re-used by a newer row
    assert not window_is_valid(window, [(10, "action", 3.5), *good[1:]])
    assert not window_is_valid(window, [*good, (13, "session_started", 4.0)])  # a new session: load it whole
