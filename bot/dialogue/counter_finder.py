"""Counter finder logic: map free text to a need in knowledge/counters.yml and to an integration act.

The decision table itself is data (counters.yml); this module only matches text to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from bot import settings
from bot.core.contract import ACT_2013, ACT_2021, ACT_BEFORE_2013, ACT_UNKNOWN
from bot.knowledge import CounterTable, Need
from bot.retrieval.embedder import Embedder
from bot.retrieval.normalize import Normalizer

_STATED_2013 = re.compile(
    r"\b2013\s*(act|law|wet|rules?)\b|\b(act|law|wet|wi|inburgering)\s*2013\b|\b(old|oude)\s+(law|act|wet|rules|system)\b",
    re.I,
)
_STATED_2021 = re.compile(
    r"\b2021\s*(act|law|wet|rules?)\b|\b(act|law|wet|wi|inburgering)\s*2021\b|\b(new|nieuwe)\s+(law|act|wet|rules|system)\b",
    re.I,
)

# "..., i'm on the 2021 act": the clause that states the act, which says nothing about the need
_ACT_CLAUSE = re.compile(
    r"[,;(]?\s*\b((i'?m|i am|we'?re|we are|i fall|we fall)\s+)?((on|under|in)\s+)?(the\s+)?"
    rf"({_STATED_2013.pattern}|{_STATED_2021.pattern})\)?",
    re.I,
)


def without_act_clause(text: str) -> str:
    """The message without the clause that states the act ("..., i'm on the 2021 act", "under the old law")."""
    return _ACT_CLAUSE.sub(" ", text)


# "my letter says my obligation started in november 2021": the start of the obligation decides the act
_OBLIGATION_START = re.compile(
    r"\b(obligation|inburgeringsplicht|plicht|inburgering|integration( period| term)?|inburgeringstermijn)\b"
    r"[^.?!]{0,40}?\b(start(s|ed)?|began|begun|begins?|since|from|begon|begonnen|gestart|startte|sinds|vanaf)\b[^.?!]{0,25}?\b(20[0-4]\d)\b",
    re.I,
)


def stated_act(text: str) -> Optional[str]:
    """The act a message names outright ("I'm under the 2013 wet", "new law") or implies by the year the
    obligation started ("my obligation started in november 2021": the 2013 act); a bare year or an age never."""
    in_2013, in_2021 = bool(_STATED_2013.search(text or "")), bool(_STATED_2021.search(text or ""))
    if in_2013 and in_2021:  # "2013 act or 2021 act?"
        return None
    if in_2013 or in_2021:
        return ACT_2013 if in_2013 else ACT_2021
    return act_from_start(text)


def act_from_start(text: str) -> Optional[str]:
    """The act that the obligation's start year in the message implies ("my obligation started in 2016")."""
    start = _OBLIGATION_START.search(text or "")
    # not "before 2013", nor the date of something else ("my inburgering exam is from 2023")
    if start is None or re.search(
        r"\bbefore\b|\b(exam|examen|test|toets|lesson|course|cursus|school|diploma)", start.group(0), re.I
    ):
        return None
    year = int(start.group(5))
    return ACT_2021 if year >= 2022 else ACT_2013 if year >= 2013 else None


BEFORE_2013_NEED = "started_before_2013"  # the counters.yml row for obligations that began under older rules

_UNKNOWN = re.compile(
    r"\b(don'?t|do not|dont|not) (know|sure|remember)\b|\bno idea\b|\bidk\b|\bunknown\b|\bweet (ik )?niet\b", re.I
)
_NEW = re.compile(r"\b(new|nieuwe?)\b.*\b(act|law|wet|rules?|system)\b|\bwi ?2021\b", re.I)
_OLD = re.compile(r"\b(old|oude?)\b.*\b(act|law|wet|rules?|system)\b|\bwi ?2013\b", re.I)
_ACT_WORD = re.compile(r"\b(act|law|wet|rules?|wi)\b", re.I)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_START_WORDS = re.compile(r"\b(start|started|begin|began|since|from|in|moved|arrived|came|letter)\b", re.I)


def _after_2012(text: str) -> bool:
    """The message names only years from 2013 on, and not as a limit ("before 2013")."""
    years = [int(y) for y in _YEAR.findall(text or "")]
    return bool(years) and min(years) >= 2013 and not re.search(r"\b(before|befor|prior|until|voor|tot)\b", text, re.I)


def parse_act(text: str) -> Optional[str]:
    """'2021' / '2013' / 'unknown' / 'before_2013', or None when the text says nothing about it.

    A bare '2021' or '2021 act' means the 2021 act; 'I started in 2021' means the 2013 act, because
    the 2021 act applies to people who had to start on or after 1 January 2022."""
    text = text.strip()
    if not text:
        return None
    if _UNKNOWN.search(text):
        # "no idea, my inburgeringsplicht started in 2016": the year they do know answers it
        named_years = set(_YEAR.findall(text))
        start = act_from_start(text) if len(named_years) == 1 else None
        return start or ACT_UNKNOWN
    if _NEW.search(text):
        return ACT_2021
    if _OLD.search(text):
        return ACT_2013
    years = [int(y) for y in _YEAR.findall(text)]
    if not years:
        return None
    year = years[0]
    if year in (2013, 2021) and (_ACT_WORD.search(text) or not _START_WORDS.search(text)):
        return ACT_2013 if year == 2013 else ACT_2021
    if year >= 2022:
        return ACT_2021
    if year >= 2013:
        return ACT_2013
    return ACT_BEFORE_2013


@dataclass(frozen=True)
class NeedMatch:
    need: Need
    score: float


class NeedMatcher:
    """Matches free text ('I want to sign up for the KNM exam') to a need, by the need's title and
    examples: embedding similarity, with glossary-normalised token overlap as a tie-breaker."""

    def __init__(self, table: CounterTable, embedder: Embedder, normalizer: Normalizer):
        self.table = table
        self.embedder = embedder
        self.normalizer = normalizer
        self._owners: list[int] = []
        texts: list[str] = []
        for i, need in enumerate(table.needs):
            for phrase in [need.title, need.id.replace("_", " "), *need.examples]:
                texts.append(phrase)
                self._owners.append(i)
        self._vectors = embedder.encode(texts)
        self._token_sets = [set(normalizer.tokens(t)) for t in texts]
        # the phrases of the row for obligations that began before 2013
        self._before_2013 = [i for i, owner in enumerate(self._owners) if table.needs[owner].id == BEFORE_2013_NEED]

    def by_id(self, value: str) -> Optional[Need]:
        value = (value or "").strip().lower()
        need = self.table.need(value)
        if need:
            return need
        for n in self.table.needs:
            if n.title.lower() == value:
                return n
        return None

    def match(self, text: str) -> Optional[NeedMatch]:
        text = (text or "").strip()
        if not text:
            return None
        direct = self.by_id(text)
        if direct:
            return NeedMatch(direct, 1.0)
        task = without_act_clause(text).strip(" ,.;")
        if len(task.split()) >= 2:  # "who do i talk to about my route? i'm on the 2021 act"
            text = task
        sims = self._vectors @ self.embedder.encode_query(text)
        expansion = self.normalizer.expansion_text(self.normalizer.analyse(text))
        if expansion:  # "where do I ask for ontheffing" is also read as "(ontheffing: exemption, ...)"
            sims = np.maximum(sims, self._vectors @ self.embedder.encode_query(f"{text} {expansion}"))
        tokens = set(self.normalizer.tokens(text))
        overlap = np.array([len(tokens & s) / max(len(s), 1) for s in self._token_sets], dtype=np.float32)
        scores = sims + settings.NEED_OVERLAP_WEIGHT * overlap
        if _after_2012(text):  # "my obligation started in 2019" did not start before 2013
            scores[self._before_2013] = -np.inf
            sims[self._before_2013] = -np.inf
        best = int(np.argmax(scores))
        if float(sims[best]) < settings.NEED_MIN_SIMILARITY:
            return None
        return NeedMatch(self.table.needs[self._owners[best]], float(scores[best]))
