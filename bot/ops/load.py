"""Bounded load generator for the REST channel (loopback only; every loop is capped in count and time).

Each simulated user runs its own scripted conversation (greeting, questions, counter-finder flows,
feedback) and checks that every reply belongs to ITS conversation (the right guide cited, the right
counter named), so cross-talk between users shows up as an error."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlparse

import aiohttp

# (message, text every reply set must contain)
QUESTIONS = [
    ("what is the z-route?", "What is the Z-route and who is it for?"),
    ("how does the speaking exam work?", "How does the speaking exam for integration work?"),
    ("what is the education route?", "What is the education route for integration?"),
    ("what happens at the broad intake?", "What is the broad intake for integration?"),
    ("how does the writing exam work?", "How does the writing exam for integration work?"),
    ("what are pvt and map?", "What are PVT and MAP during integration?"),
]
NEEDS = [
    ("book_exam", "Mijn Inburgering"),
    ("residence_permit", "IND"),
    ("diploma_evaluation", "IDW"),
    ("exam_results", "Mijn Inburgering"),
    ("naturalisation", "IND"),
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Turn:
    message: str
    expect: Optional[str]  # text the replies must contain (None: any non-empty reply)


def script(user_index: int, turns: int) -> list[Turn]:
    """A deterministic conversation for one user: mixes questions and counter-finder flows."""
    rng = random.Random(user_index)
    out: list[Turn] = [Turn("hello", "Wegwijzer")]
    while len(out) < turns:
        if rng.random() < 0.5:
            question, guide = rng.choice(QUESTIONS)
            out.append(Turn(question, f"Source: {guide}"))
            if len(out) < turns:
                out.append(Turn(rng.choice(["/feedback_positive", "/feedback_negative"]), "feedback"))
        else:
            need, counter = rng.choice(NEEDS)
            out.append(Turn("/ask_counter", "What do you want to do"))
            if len(out) < turns:
                out.append(Turn(f'/inform{{"need":"{need}"}}', counter))
    return out[:turns]


@dataclass
class LoadResult:
    users: int
    turns_per_user: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # no answer, 5xx or an empty reply
    mismatches: list[str] = field(default_factory=list)  # a reply that does not fit this conversation
    unavailable: int = 0  # turns answered with the polite "temporarily unavailable" reply
    wall_seconds: float = 0.0
    senders: list[str] = field(default_factory=list)
    sent: dict[str, list[str]] = field(default_factory=dict)

    @property
    def turns(self) -> int:
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict:
        return {
            "users": self.users,
            "turns": self.turns,
            "errors": len(self.errors),
            "mismatches": len(self.mismatches),
            "unavailable_replies": self.unavailable,
            "turns_per_second": round(self.turns / self.wall_seconds, 1) if self.wall_seconds else 0.0,
            "p50_ms": round(self.percentile(50) * 1000, 1),
            "p95_ms": round(self.percentile(95) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else 0.0,
        }


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and not host.startswith("127."):
        raise ValueError(f"load tests only target this machine (loopback), not {host}")


async def _user(
    session: aiohttp.ClientSession,
    url: str,
    index: int,
    turns: int,
    result: LoadResult,
    deadline: float,
    tolerate_unavailable: bool,
) -> None:
    sender = f"load-{index}-{uuid.uuid4().hex[:8]}"
    result.senders.append(sender)
    result.sent[sender] = []
    for turn in script(index, turns):
        if time.monotonic() > deadline:
            result.errors.append(f"{sender}: deadline reached")
            return
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": turn.message}) as response:
                body = await response.json(content_type=None)
                status = response.status
        except Exception as error:  # connection reset, timeout: an error, the run goes on
            result.errors.append(f"{sender}: {turn.message!r}: {type(error).__name__}: {error}")
            continue
        result.latencies.append(time.perf_counter() - started)
        result.sent[sender].append(turn.message)
        text = "\n".join((m.get("text") or "") for m in (body or []) if isinstance(m, dict))
        if status >= 500 or not text.strip():
            result.errors.append(f"{sender}: {turn.message!r}: status {status}, empty={not text.strip()}")
        elif "temporarily unavailable" in text:
            result.unavailable += 1
            if not tolerate_unavailable:
                result.mismatches.append(f"{sender}: {turn.message!r}: action server unavailable")
        elif turn.expect and turn.expect.lower() not in text.lower():
            result.mismatches.append(f"{sender}: {turn.message!r}: expected {turn.expect!r}, got {text[:120]!r}")


async def run_load(
    rasa_url: str, users: int, turns: int, max_seconds: float = 600, tolerate_unavailable: bool = False
) -> LoadResult:
    _check_loopback(rasa_url)
    url = f"{rasa_url}/webhooks/rest/webhook"
    result = LoadResult(users, turns)
    deadline = time.monotonic() + max_seconds
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=users)
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(
            *(_user(session, url, i, turns, result, deadline, tolerate_unavailable) for i in range(users))
        )
    result.wall_seconds = time.perf_counter() - started
    return result


def lost_turns(tracker_user_texts: dict[str, list[str]], result: LoadResult) -> int:
    """Turns that got an HTTP answer but are missing (or out of order) in the sender's stored tracker."""
    lost = 0
    for sender, sent in result.sent.items():
        stored = tracker_user_texts.get(sender, [])
        i = 0
        for message in stored:
            if i < len(sent) and message == sent[i]:
                i += 1
        lost += len(sent) - i
    return lost
