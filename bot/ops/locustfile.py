"""Locust load for the REST channel: each simulated user runs its own scripted conversation and checks every reply.

Run by bot/ops/load.py (`run_load`: headless, bounded users and run time, loopback only) in its own process,
because Locust patches the whole interpreter with gevent. Each user plays `script(i, turns)` once (greeting,
questions, counter-finder flows, feedback) and checks that each reply belongs to ITS conversation (the right
guide cited, the right counter named): cross-talk between users shows up as a mismatch. When every user has
finished, Locust stops and the per-turn records go to WEGWIJZER_LOAD_OUT (JSON) for load.py to report.

Settings (environment): WEGWIJZER_LOAD_TURNS (turns per user), WEGWIJZER_LOAD_OUT (result file),
WEGWIJZER_LOAD_TOLERATE_UNAVAILABLE=1 (the polite "temporarily unavailable" reply is expected, e.g. while the
action server is restarted), WEGWIJZER_LOAD_MESSAGES=plain (one plain question per turn: the mix `make bench`
also sends to a stock Rasa bot)."""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid
from typing import Any

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

from bot.ops.load_script import Turn, plain_script, script

TURNS = int(os.environ.get("WEGWIJZER_LOAD_TURNS", "10"))
OUT = os.environ.get("WEGWIJZER_LOAD_OUT", "")
TOLERATE_UNAVAILABLE = os.environ.get("WEGWIJZER_LOAD_TOLERATE_UNAVAILABLE") == "1"
PLAIN = os.environ.get("WEGWIJZER_LOAD_MESSAGES") == "plain"

_user_numbers = itertools.count()
record: dict[str, Any] = {
    "latencies": [],
    "errors": [],
    "mismatches": [],
    "unavailable": 0,
    "senders": [],
    "sent": {},
    "first_start": None,
    "last_end": None,
}
_running = {"started": 0, "finished": 0}


def check(turn: Turn, status: int, body: Any) -> tuple[str, str]:
    """('error' | 'unavailable' | 'mismatch' | 'ok', why) for one reply."""
    text = "\n".join((m.get("text") or "") for m in (body or []) if isinstance(m, dict))
    if status >= 400 or not text.strip():
        return "error", f"status {status}, empty={not text.strip()}"
    if "temporarily unavailable" in text:
        return "unavailable", "action server unavailable"
    if turn.expect and turn.expect.lower() not in text.lower():
        return "mismatch", f"expected {turn.expect!r}, got {text[:120]!r}"
    return "ok", ""


class Conversation(FastHttpUser):
    """One user, one conversation: its scripted turns once, one after the other, then it stops."""

    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.number = next(_user_numbers)
        self.sender = f"load-{self.number}-{uuid.uuid4().hex[:8]}"
        self.turns = (plain_script if PLAIN else script)(self.number, TURNS)
        record["senders"].append(self.sender)
        record["sent"][self.sender] = []
        _running["started"] += 1

    @task
    def converse(self) -> None:
        for turn in self.turns:
            self.say(turn)
        _running["finished"] += 1
        raise StopUser()

    def say(self, turn: Turn) -> None:
        started = time.perf_counter()
        if record["first_start"] is None:
            record["first_start"] = started
        payload = {"sender": self.sender, "message": turn.message}
        with self.client.post("/webhooks/rest/webhook", json=payload, catch_response=True, name="turn") as response:
            elapsed = time.perf_counter() - started
            record["last_end"] = time.perf_counter()
            if response.status_code == 0:  # no answer at all: connection refused or reset, timeout
                record["errors"].append(f"{self.sender}: {turn.message!r}: {response.error}")
                response.failure(str(response.error))
                return
            record["latencies"].append(elapsed)
            try:
                body = response.json()
            except ValueError:
                body = None
            verdict, why = check(turn, response.status_code, body)
            if verdict != "error":  # answered (an empty reply is not): it must be in the stored conversation
                record["sent"][self.sender].append(turn.message)
            line = f"{self.sender}: {turn.message!r}: {why}"
            if verdict == "error":
                record["errors"].append(line)
                response.failure(why)
            elif verdict == "unavailable":
                record["unavailable"] += 1
                if not TOLERATE_UNAVAILABLE:
                    record["mismatches"].append(line)
                    response.failure(why)
                else:
                    response.success()
            elif verdict == "mismatch":
                record["mismatches"].append(line)
                response.failure(why)
            else:
                response.success()


@events.test_start.add_listener
def _stop_when_all_done(environment: Any, **_: Any) -> None:
    """Locust runs until --run-time; stop as soon as every user has played its conversation."""
    target = environment.parsed_options.num_users if environment.parsed_options else 0

    def watch() -> None:
        while _running["finished"] < target:
            gevent.sleep(0.2)
        environment.runner.quit()

    gevent.spawn(watch)


@events.quitting.add_listener
def _write_record(environment: Any, **_: Any) -> None:
    if not OUT:
        return
    wall = (record["last_end"] - record["first_start"]) if record["first_start"] and record["last_end"] else 0.0
    unfinished = _running["started"] - _running["finished"]
    if unfinished:  # stopped by --run-time before their conversation ended
        record["errors"].append(f"{unfinished} users did not finish their conversation in the run time")
    out = {k: v for k, v in record.items() if k not in ("first_start", "last_end")}
    out["wall_seconds"] = wall
    with open(OUT, "w") as handle:
        json.dump(out, handle)
