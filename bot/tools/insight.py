"""What people asked and how the assistant did, read from Rasa's tracker store (the `events` table, SQLite by
default or PostgreSQL when scaled). The text there is already redacted (bot/rasa_plugins/tracker_store.py).

One *turn* is a user message and the events up to the next one. A turn is classified from the bot messages
it produced (the signals are the project's own wording, not NLU guesses):

- **abstained**: a bot message contains `messages.ABSTAIN`, `messages.ABSTAIN_DUTCH` or `messages.TOLD_NOT_ASKED`
  (the "I don't know, check the official site" replies of `compose_abstain`, and its "what would you like to know?"
  for a message that told something the guides do not match; a privacy note may come before it);
- **out of scope**: a bot message that Rasa produced from the `utter_out_of_scope` response (Rasa stores
  the response name as `metadata.utter_action`, whether a rule or `action_out_of_scope` sent it);
- **answered**: a bot message with a `Source: <guide> — <url>` line (`messages.SOURCE_LINE`): knowledge
  answers, term explanations, guide overviews, counter answers;
- **other**: greetings, small talk, the finder's and the practice's questions, guard notes.

Everything here works on plain rows, so the tests seed a database the way Rasa's SQLTrackerStore writes it."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import settings
from bot.core import messages
from bot.core.contract import FEEDBACK_NOT_HELPFUL, ROUTE_FINDER, Action, Slot

OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"  # the domain.yml response both the rule and the action send
ANSWERED, ABSTAINED, OUT_OF_SCOPE, OTHER = "answered", "abstained", "out_of_scope", "other"

_before, _, _rest = messages.SOURCE_LINE.partition("{guide}")
_between, _, _after = _rest.partition("{url}")
SOURCE_RE = re.compile(
    rf"^{re.escape(_before)}(?P<guide>.+?){re.escape(_between)}(?P<url>https?://\S+){re.escape(_after)}\s*$", re.M
)

Row = tuple[str, str, float, str]  # sender_id, type_name, timestamp, data (JSON)


# ---------------------------------------------------------------- reading the store


def tracker_db(explicit: Optional[str] = None) -> str:
    """The tracker store to read: an explicit path/URL, else TRACKER_DB (set by the supervisor), else
    var/tracker.db."""
    return explicit or os.environ.get("TRACKER_DB") or str(settings.VAR_DIR / "tracker.db")


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def store_exists(db: str) -> bool:
    return is_postgres(db) or os.path.exists(db)


# Whole conversations that had an event in the range: the state before the range (the question a later
# "not helpful" refers to, the finder's need) is known; only events inside the range are counted.
_ROWS_SQL = (
    "SELECT sender_id, type_name, timestamp, data FROM events WHERE sender_id IN "
    "(SELECT DISTINCT sender_id FROM events WHERE timestamp >= {start} AND timestamp < {end}) "
    "AND timestamp < {end} ORDER BY sender_id, id"
)


def read_rows(db: str, start: float, end: float) -> list[Row]:
    if is_postgres(db):
        import psycopg2

        with psycopg2.connect(db) as conn, conn.cursor() as cursor:
            cursor.execute(_ROWS_SQL.format(start="%(start)s", end="%(end)s"), {"start": start, "end": end})
            return [(str(s), str(t), float(ts or 0), str(d)) for s, t, ts, d in cursor.fetchall()]
    if not os.path.exists(db):
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            rows = conn.execute(_ROWS_SQL.format(start=":start", end=":end"), {"start": start, "end": end})
            return [(str(s), str(t), float(ts or 0), str(d)) for s, t, ts, d in rows]
        except sqlite3.OperationalError:  # no events table yet (Rasa creates it on its first start)
            return []


# ---------------------------------------------------------------- the date range


def timezone() -> ZoneInfo:
    try:
        return ZoneInfo(settings.STAFF_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Period:
    """Days `first` to `last` (inclusive), in settings.STAFF_TIMEZONE."""

    first: date
    last: date

    @classmethod
    def last_days(cls, days: int, today: Optional[date] = None) -> Period:
        today = today or datetime.now(timezone()).date()
        return cls(today - timedelta(days=max(days, 1) - 1), today)

    @property
    def start(self) -> float:
        return datetime.combine(self.first, time(), timezone()).timestamp()

    @property
    def end(self) -> float:
        return datetime.combine(self.last + timedelta(days=1), time(), timezone()).timestamp()

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def contains(self, timestamp: float) -> bool:
        return self.start <= timestamp < self.end


def day_of(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, timezone()).date()


# ---------------------------------------------------------------- the report


@dataclass
class DayStats:
    day: date
    conversations: int = 0
    turns: int = 0
    answered: int = 0
    abstained: int = 0
    out_of_scope: int = 0


@dataclass(frozen=True)
class Unanswered:
    text: str
    timestamp: float
    kind: str  # ABSTAINED or OUT_OF_SCOPE


@dataclass(frozen=True)
class NotHelpful:
    timestamp: float
    question: str
    guide: Optional[str]
    passage: str  # the answer text the user rated (without its source line)
    url: Optional[str]


@dataclass
class CounterOutcome:
    need: str  # need id from knowledge/counters.yml, or "" when the finder never got one
    answered: int = 0
    left: int = 0  # the user left the finder (stop, thanks, another topic) before the answer
    unfinished: int = 0  # the conversation ended while the finder was still asking


@dataclass
class KnmResult:
    theme: str
    right: int = 0
    asked: int = 0
    conversations: int = 0


@dataclass
class Report:
    period: Period
    conversations: int  # distinct conversations with a message in the period
    days: list[DayStats]
    unanswered: list[Unanswered]  # newest first
    not_helpful: list[NotHelpful]  # newest first
    guides: list[tuple[str, int]]  # most answered first
    counter: list[CounterOutcome]
    knm: list[KnmResult]

    @property
    def totals(self) -> DayStats:
        total = DayStats(self.period.last, conversations=self.conversations)
        for d in self.days:
            total.turns += d.turns
            total.answered += d.answered
            total.abstained += d.abstained
            total.out_of_scope += d.out_of_scope
        return total


def source_of(text: str) -> Optional[tuple[str, str]]:
    """(guide, url) of the first source line in a bot message."""
    match = SOURCE_RE.search(text or "")
    return (match.group("guide").strip(), match.group("url")) if match else None


def classify(bot_events: Iterable[dict[str, Any]]) -> tuple[str, Optional[str]]:
    """(kind, guide) of a turn from the bot messages it produced."""
    kind, guide = OTHER, None
    for event in bot_events:
        text = event.get("text") or ""
        if any(wording in text for wording in (messages.ABSTAIN, messages.ABSTAIN_DUTCH, messages.TOLD_NOT_ASKED)):
            return ABSTAINED, None
        if (event.get("metadata") or {}).get("utter_action") == OUT_OF_SCOPE_RESPONSE:
            kind = OUT_OF_SCOPE
        elif kind == OTHER and (source := source_of(text)):
            kind, guide = ANSWERED, source[0]
    return kind, guide


@dataclass
class _Turn:
    timestamp: float
    text: str
    bots: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Conversation:
    """What one conversation knows while its events are replayed in order."""

    slots: dict[str, Any] = field(default_factory=dict)
    answer: Optional[tuple[str, Optional[str]]] = None  # (text, url) of the last cited answer
    finder_open: bool = False
    need: Optional[str] = None
    knm: Any = None


def _passage(text: str) -> tuple[str, Optional[str]]:
    source = source_of(text)
    body = SOURCE_RE.sub("", text).strip()
    if body.startswith(messages.PRIVACY_NOTE):
        body = body[len(messages.PRIVACY_NOTE) :].strip()
    return body, source[1] if source else None


def build_report(rows: Iterable[Row], period: Period) -> Report:
    days = {d: DayStats(d) for d in period.days()}
    senders_per_day: dict[date, set[str]] = defaultdict(set)
    all_senders: set[str] = set()
    unanswered: list[Unanswered] = []
    not_helpful: list[NotHelpful] = []
    guides: Counter[str] = Counter()
    outcomes: dict[str, CounterOutcome] = {}
    knm_last: dict[str, Any] = {}

    def outcome(need: Optional[str]) -> CounterOutcome:
        return outcomes.setdefault(need or "", CounterOutcome(need or ""))

    def close_turn(turn: Optional[_Turn]) -> None:
        if turn is None or not period.contains(turn.timestamp):
            return
        kind, guide = classify(turn.bots)
        stats = days[day_of(turn.timestamp)]
        if kind == ANSWERED:
            stats.answered += 1
            guides[guide or ""] += 1
        elif kind in (ABSTAINED, OUT_OF_SCOPE):
            if kind == ABSTAINED:
                stats.abstained += 1
            else:
                stats.out_of_scope += 1
            if turn.text and not turn.text.startswith("/"):  # a button payload is no question
                unanswered.append(Unanswered(turn.text, turn.timestamp, kind))

    def close_conversation(sender: str, conv: _Conversation, last_ts: float) -> None:
        if conv.finder_open and period.contains(last_ts):
            outcome(conv.need).unfinished += 1
        if conv.knm is not None:
            knm_last[sender] = conv.knm

    sender: Optional[str] = None
    conv = _Conversation()
    turn: Optional[_Turn] = None
    last_ts = 0.0
    for row_sender, type_name, timestamp, data in rows:
        if row_sender != sender:
            close_turn(turn)
            if sender is not None:
                close_conversation(sender, conv, last_ts)
            sender, conv, turn = row_sender, _Conversation(), None
        last_ts = timestamp
        try:
            event = json.loads(data)
        except (TypeError, ValueError):
            continue
        if not isinstance(event, dict):
            continue
        inside = period.contains(timestamp)
        if type_name == "user":
            close_turn(turn)
            turn = _Turn(timestamp, " ".join(str(event.get("text") or "").split()))
            if inside:
                days[day_of(timestamp)].turns += 1
                senders_per_day[day_of(timestamp)].add(row_sender)
                all_senders.add(row_sender)
        elif type_name == "bot":
            if turn is not None:
                turn.bots.append(event)
            text = str(event.get("text") or "")
            if source_of(text):
                conv.answer = _passage(text)
        elif type_name == "action":
            name = event.get("name")
            if name == Action.COUNTER_ANSWER and inside:
                outcome(conv.need).answered += 1
                conv.finder_open = False
            elif name == Action.END_COUNTER_FINDER and conv.finder_open:
                if inside:
                    outcome(conv.need).left += 1
                conv.finder_open = False
        elif type_name == "slot":
            name, value = event.get("name"), event.get("value")
            conv.slots[str(name)] = value
            if name == Slot.COUNTER_ROUTE and value == ROUTE_FINDER:
                conv.finder_open, conv.need = True, None
            elif name == Slot.NEED and value:
                conv.need = str(value)
            elif name == Slot.KNM and inside and isinstance(value, dict):
                conv.knm = value
            elif name == Slot.FEEDBACK and value == FEEDBACK_NOT_HELPFUL and inside:
                passage, url = conv.answer or ("", None)
                question = conv.slots.get(Slot.LAST_QUESTION) or ""
                not_helpful.append(NotHelpful(timestamp, str(question), conv.slots.get(Slot.LAST_GUIDE), passage, url))
    close_turn(turn)
    if sender is not None:
        close_conversation(sender, conv, last_ts)

    for day, senders in senders_per_day.items():
        days[day].conversations = len(senders)
    return Report(
        period=period,
        conversations=len(all_senders),
        days=[days[d] for d in sorted(days)],
        unanswered=sorted(unanswered, key=lambda u: -u.timestamp),
        not_helpful=sorted(not_helpful, key=lambda n: -n.timestamp),
        guides=sorted(((g, n) for g, n in guides.items()), key=lambda item: (-item[1], item[0])),
        counter=sorted(outcomes.values(), key=lambda o: (-(o.answered + o.left + o.unfinished), o.need)),
        knm=knm_results(knm_last.values()),
    )


def knm_results(states: Iterable[Any]) -> list[KnmResult]:
    """Sum the practice totals ({theme: [right, asked]}) of each conversation's last `knm` slot value."""
    results: dict[str, KnmResult] = {}
    for state in states:
        totals = state.get("totals") if isinstance(state, dict) else None
        if not isinstance(totals, dict):
            continue
        for theme, pair in totals.items():
            try:
                right, asked = int(pair[0]), int(pair[1])
            except (TypeError, ValueError, IndexError):
                continue
            result = results.setdefault(str(theme), KnmResult(str(theme)))
            result.right += right
            result.asked += asked
            result.conversations += 1
    order = {theme: i for i, theme in enumerate(settings.KNM_THEMES)}
    return sorted(results.values(), key=lambda r: (order.get(r.theme, len(order)), r.theme))


def report_for(db: str, period: Period) -> Report:
    return build_report(read_rows(db, period.start, period.end), period)
