"""Load, REST fuzz and soak against the real servers (loopback only, bounded). A short version runs in
CI; the full 50 users x 20 turns and the soak with an action-server restart run with --run-slow
(`make soak`)."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import urllib.error
import urllib.request

import pytest

from bot.ops.load import lost_turns, run_load
from tests.support.stack import start_stack

pytestmark = pytest.mark.e2e


def user_texts(stack, senders) -> dict[str, list[str]]:
    out = {}
    for sender in senders:
        tracker = stack.tracker(sender)
        out[sender] = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    return out


def test_short_load_no_errors_no_cross_talk_no_lost_turns(stack):
    result = asyncio.run(run_load(stack.rasa_url, users=10, turns=10, max_seconds=300))
    assert result.turns == 100
    assert result.errors == [] and result.mismatches == []
    assert lost_turns(user_texts(stack, result.senders), result) == 0


NASTY = [
    "",
    " ",
    "\n\n",
    "\x00\x01\x02",
    "😀" * 50,
    "<script>alert(1)</script>",
    "' OR 1=1; --",
    "{{7*7}}",
    "${jndi:x}",
    "/inform{broken json",
    '/inform{"need": 12}',
    '/open_guide{"guide_ref":"g999"}',
    "/nonexistent_intent",
    "/restart",
    '/inform{"integration_act":"1999"}',
    "a" * 10_000,
    "مرحبا",
    "你好，我想考试",
    "ñ" * 300,
    "\u202e reversed",
    "null",
    "[]",
    "{}",
    "%s%s%s",
    "../../etc/passwd",
    "what is " + "KNM " * 500,
]


def odd_messages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    alphabet = [
        chr(c) for c in list(range(0x20, 0x7F)) + [0x0, 0x7, 0x1B, 0xA0, 0x200B, 0x202E, 0x1F600, 0x5B57, 0x0627]
    ]
    out = list(NASTY)
    while len(out) < n:
        length = rng.choice([1, 5, 40, 300, 3000])
        out.append("".join(rng.choice(alphabet) for _ in range(length)))
    return out[:n]


def test_rest_fuzz_200_odd_messages_no_5xx_and_always_a_reply(stack):
    failures = []
    for i, message in enumerate(odd_messages(200)):
        request = urllib.request.Request(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": f"fuzz-{i % 20}", "message": message}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                replies = json.loads(response.read())
        except urllib.error.HTTPError as error:
            failures.append((message[:30], error.code))
            continue
        if not replies or not any((r.get("text") or "").strip() for r in replies):
            failures.append((message[:30], "empty"))
    assert failures == []


def _soak(users: int, turns: int, tmp_path, outage_after: float, outage_seconds: float):
    stack = start_stack(tmp_path)
    try:

        def outage():
            time.sleep(outage_after)
            stack.actions.stop()
            time.sleep(outage_seconds)
            stack.actions.start().wait_ready(180)

        chaos = threading.Thread(target=outage, daemon=True)
        chaos.start()
        result = asyncio.run(run_load(stack.rasa_url, users, turns, max_seconds=900, tolerate_unavailable=True))
        chaos.join(timeout=240)
        lost = lost_turns(user_texts(stack, result.senders), result)
        return result, lost
    finally:
        stack.stop()


def test_short_soak_with_action_server_restart_loses_nothing(tmp_path):
    result, lost = _soak(users=8, turns=12, tmp_path=tmp_path, outage_after=3, outage_seconds=4)
    print("soak (short):", result.summary(), "lost turns:", lost)
    assert result.errors == []  # every turn got a non-empty reply, outage turns the polite one
    assert lost == 0


@pytest.mark.slow
def test_full_load_50_users_20_turns(stack, request):
    if not request.config.getoption("--run-slow"):
        pytest.skip("full load runs with `make soak` (--run-slow)")
    result = asyncio.run(run_load(stack.rasa_url, users=50, turns=20, max_seconds=900))
    print("load (full):", result.summary())
    assert result.turns == 1000 and result.errors == [] and result.mismatches == []
    assert lost_turns(user_texts(stack, result.senders), result) == 0


@pytest.mark.slow
def test_full_soak_with_action_server_restart(tmp_path, request):
    if not request.config.getoption("--run-slow"):
        pytest.skip("full soak runs with `make soak` (--run-slow)")
    result, lost = _soak(users=50, turns=20, tmp_path=tmp_path, outage_after=20, outage_seconds=10)
    print("soak (full):", result.summary(), "lost turns:", lost)
    assert result.errors == [] and lost == 0
