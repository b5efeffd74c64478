"""Bounded load on the REST channel with Locust (loopback only; users, turns and run time are capped).

`run_load` runs bot/ops/locustfile.py headless in its own process (Locust patches the interpreter with gevent,
which must not reach the test process or the supervisor's threads and subprocesses) and turns its per-turn
records into a LoadResult: latencies, errors, mismatches (replies that do not fit the user's own conversation:
cross-talk, wrong answers), the polite "unavailable" replies, and what each sender said, for `lost_turns`."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot import settings

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class LoadResult:
    users: int
    turns_per_user: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # no answer, 4xx/5xx or an empty reply
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


def locust_command(rasa_url: str, users: int, max_seconds: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),  # all users at once, as the old generator did
        "--run-time",
        f"{max(1, int(max_seconds))}s",
        "--stop-timeout",
        "30",
        "--host",
        rasa_url,
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",  # failures are reported through the result, not the exit code
    ]


async def run_load(
    rasa_url: str,
    users: int,
    turns: int,
    max_seconds: float = 600,
    tolerate_unavailable: bool = False,
    plain: bool = False,
) -> LoadResult:
    """`users` Locust users, each playing its own `turns`-turn conversation once (plain: greetings only)."""
    _check_loopback(rasa_url)
    if users < 1 or turns < 1:
        raise ValueError("users and turns must be at least 1")
    log_dir = settings.VAR_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wegwijzer-locust-") as tmp:
        out = Path(tmp) / "record.json"
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(settings.PROJECT_ROOT),
            WEGWIJZER_LOAD_TURNS=str(turns),
            WEGWIJZER_LOAD_OUT=str(out),
            WEGWIJZER_LOAD_TOLERATE_UNAVAILABLE="1" if tolerate_unavailable else "0",
            WEGWIJZER_LOAD_MESSAGES="plain" if plain else "script",
        )
        with open(log_dir / "locust.log", "ab") as log:
            proc = await asyncio.create_subprocess_exec(
                *locust_command(rasa_url, users, max_seconds),
                cwd=settings.PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
            )
            try:
                await asyncio.wait_for(proc.wait(), timeout=max_seconds + 90)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        if not out.exists():
            raise RuntimeError(f"Locust wrote no result (exit code {proc.returncode}); see {log_dir / 'locust.log'}")
        record = json.loads(out.read_text())
    result = LoadResult(
        users,
        turns,
        latencies=record["latencies"],
        errors=record["errors"],
        mismatches=record["mismatches"],
        unavailable=record["unavailable"],
        wall_seconds=record["wall_seconds"],
        senders=record["senders"],
        sent=record["sent"],
    )
    if len(result.senders) < users:
        result.errors.append(f"only {len(result.senders)} of {users} users started in the run time")
    return result


def stored_in_order(stored: list[str], sent: list[str]) -> int:
    """How many of the answered messages, from the first on, the stored conversation holds in order (stored
    messages that got no answer, e.g. an error reply, may sit between them)."""
    i = 0
    for message in stored:
        if i < len(sent) and message == sent[i]:
            i += 1
    return i


def lost_turns(tracker_user_texts: dict[str, list[str]], result: LoadResult) -> int:
    """Turns that got an HTTP answer but are missing (or out of order) in the sender's stored tracker."""
    return sum(len(sent) - stored_in_order(tracker_user_texts.get(s, []), sent) for s, sent in result.sent.items())
