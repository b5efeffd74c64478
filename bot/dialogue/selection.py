"""Answer selection: from the passages retrieval found, pick the sentence(s) that answer the question.

Always extractive: the reply is 1-3 sentences copied from one passage, which also gives the citation.
A FAQ answer is shown whole only when its own question matches the user's; otherwise its sentences
compete like any other, without a leading "Yes."/"No." that answered another question."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np
import yaml

from bot import settings
from bot.core.text import PERSON_WORDS, focus_with_context
from bot.knowledge import Passage
from bot.retrieval.normalize import Analysis, fold
from bot.retrieval.search import Retriever, SearchResult

FAQ_KINDS = ("faq", "hub_faq")

PatternPairs = tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]


def _pattern_pairs(pairs: tuple[tuple[str, str], ...]) -> PatternPairs:
    """(question pattern, sentence pattern) pairs, compiled case-insensitively."""
    return tuple((re.compile(q, re.I), re.compile(s, re.I)) for q, s in pairs)


# Questions whose answer must hold a kind of fact: who/which office -> an organisation, how long -> a duration
_ANSWER_TYPES = _pattern_pairs(
    (
        (
            r"^\W*((and|so|but|ok(ay)?)\W+)*who\b|\bwho (does|do|is|organi[sz]es|runs|handles|pays|decides|makes|checks|"
            r"sends|gives|assesses)\b|\bwhich (office|counter|organi[sz]ation|body)\b",
            r"\b(DUO|municipality|municipalities|municipal|gemeente|IND|IDW|COA|Mijn Inburgering|school|schools|"
            r"contact person|embassy|consulate|independent party)\b",
        ),
        (
            r"\bhow long\b|\bhow many (years|months|weeks|days|hours)\b|\bhow much time\b|\bhoe lang\b",
            r"\b\d+(\.\d+)?\s*(years?|months?|weeks?|days?|hours?|minutes?)\b|\b(one|two|three|five|six|twelve|a)\s+"
            r"(years?|months?|weeks?|hours?)\b",
        ),
    )
)
# Situations that decide whether someone has to integrate at all (checklist guide, "Who has to integrate")
_MINOR_AGE = (
    r"\b(1[0-7]|[1-9]) ?(years? old|yrs? old|y/?o|jaar( oud)?)\b"
    r"|(\b(is|am|are|turns?|aged|only|just)|(?<!from )(?<!since )\bage)\s+(1[0-7]|[1-9])\b"
    r"(?!\s*(years|months|weeks|days|hours|%|euro|eur)\b)"
    r"|\b(minor|minderjarig)"
    r"|\b(son|daughter|brother|sister|child|kid|zoon|dochter|broer|zus|kind) (of|van) (1[0-7]|[1-9])\b"
)
_PENSION_AGE = (
    r"\b(6[5-9]|[7-9]\d) ?(years? old|yrs? old|y/?o|jaar( oud)?)\b"
    r"|\b(is|am|are|turns?|aged?|at)\s+(6[5-9]|[7-9]\d)\b(?!\s*(years|months|weeks|days|hours|%|euro|eur)\b)"
    r"|\bpension|\bretire|\bAOW\b|\bpensioen"
)
# EU, EEA and Swiss nationals: the countries and their adjectives
_EU_NATIONAL = (
    r"\b(austria|belgi|bulgaria|croatia|cypr|czech|denmark|danish|dane|estonia|finland|finnish|finn|france|french"
    r"|german|greece|greek|hungar|ireland|irish|ital|latvia|lithuania|luxembourg|malt|poland|polish|pole"
    r"|portug|romania|slovak|sloveni|spain|spanish|spaniard|swede|sweden|swedish|norw|iceland|liechtenstein|swiss"
    r"|switzerland)\w*\b|\b(EU|EEA|european) (passport|citizen|national|nationality)"
)
_TEMPORARY_STAY = (
    r"\b(only|just|temporar\w*) (here |come[s]? |coming )?(to|for) (study|studies|studying|work|a master|an? "
    r"(exchange|internship|phd))|\bstud(ent|y) visa\b|\bexchange student\b|\btemporar\w*\b"
    r"|\b(doing|do|following|starting|start) (my|a|an) (master|masters|bachelor|phd|exchange)\b"
)
# lived here at school age: "i went to school here from age 6 until 15"
_SCHOOL_AGE = (
    r"\b(went|go|going|was) (to )?school (here|in (the )?(netherlands|holland))\b|\bgrew up (here|in (the )?"
    r"(netherlands|holland))\b|\bas a (child|kid)\b.{0,40}\b(here|netherlands|holland)\b"
)
# Whether someone has to integrate: the situation the question names picks the rule that covers it ("my brother
# is 16", "she has a german passport", "he comes only to study"), as a rule (FIXED_WEIGHTS "situation")
_SITUATIONS = _pattern_pairs(
    (
        (_MINOR_AGE, r"\b(younger than|under) 18\b"),
        (_PENSION_AGE, r"\bretirement age\b|\bstate pension\b|\bAOW\b"),
        (_EU_NATIONAL, r"\bEU (country|countries|national|nationals|citizens?)\b|\bnationals of an EU\b"),
        (_TEMPORARY_STAY, r"\btemporar"),
        (_SCHOOL_AGE, r"\bcompulsory school age\b"),
    )
)
# ... asked of a question about the obligation itself, not of "my german wife and i: where do i book the exam?"
_ASKS_OBLIGATION = re.compile(
    r"\b(have|has|need|needs) to\b|\bmust\b|\bobliged\b|\bobligat|\bverplicht|\brequired\b|\bplicht\b|\bmoet\b"
    r"|\bexempt|\b(him|her|them)\W*$|\bneeds?\b.{0,25}\b(inburger|integrat)",
    re.I,
)
# (question cue, sentence cue): a sentence that has the kind of fact the question asks for gets a bonus.
_CUES = _pattern_pairs(
    (
        (
            r"\bhow (long|many (years|months|weeks|days|hours))|\bby when\b|\bdeadline|\bhow much time\b|\bwhen\b"
            r"|\bperiod\b|\bhoe lang\b|\bwanneer\b",
            r"\b\d+\s*(years?|months?|weeks?|days?|hours?)\b|\b(one|two|three|five|six|twelve)\s+(years?|months?|"
            r"weeks?|hours?)\b|\bwithin\b|\bdeadline\b|\bperiod\b|\bbefore\b|\bfrom \d",
        ),
        (
            r"\b(who|where|which (office|counter|organisation|organization|website|site|body))\b|\bcontact\b|\bwie\b"
            r"|\bwaar\b",
            r"\b(DUO|municipality|gemeente|IND|IDW|COA|Mijn Inburgering|school|website|inburgeren\.nl|online|"
            r"contact person|embassy|consulate)\b",
        ),
        (
            r"\bwhat happens\b|\bwhat if\b|\bif i (don'?t|do not|fail|miss|can'?t)|\bmiss\b|\bfail|\btoo late\b"
            r"|\bconsequence|\bnot in time\b|\bdon'?t make it\b|\bif i (do not|don'?t) go\b|\b(takes?|lasts?) longer\b"
            r"|\bstill (no|not)\b|\bnog (niet|steeds)\b|\bnot ready\b",
            r"\b(fine|fined|boete|extension|extend|again|retake|consequence|pay back|not in time|late|penalt)"
            r"|^\W*if\b|\bstill (no|not|have no)\b",
        ),
        (
            r"\b(how much|cost|costs|price|fee|fees|free|pay|paid|expensive|loan|money|borrow|kosten|gratis)\b",
            r"\b(free|pay|pays|paid|cost|costs|fee|fees|loan|borrow|€|euro|no charge|at no cost)\b",
        ),
        (
            r"^\W*(can|could|may|must|do|does|did|is|are|am|should|have|has|will|moet|kan|mag)\b",
            r"\b(can|cannot|can't|may|must|need to|have to|do not have to|don't have to|does not|is not|are not|"
            r"only|always|never|allowed|compulsory|mandatory|obliged)\b",
        ),
        (
            r"\bhow (does|do|is) .{0,40}\bwork\b|\bwhat do (i|you) do (there|in it|at)\b|\bwhat happens (in|at|during)\b",
            r"\byou (watch|hear|listen|answer|get|see|read|type|write|speak|make|sign|choose|take)\b|\bquestions?\b"
            r"|\bon (a|the) computer\b|\bvideos?\b|\bparts?\b",
        ),
        (
            r"\bhow (do|can|should) i\b|\bsteps?\b|\bhow to\b|\bregister|\bbook|\bsign up|\bapply|\baanmelden",
            r"\b(log in|register|book|apply|fill in|send|choose|form|via|through|with DigiD|sign up)\b",
        ),
    )
)
_OTHER_ACT = {
    "2021": (re.compile(r"\b2013\b|\bold (law|act)\b", re.I), re.compile(r"\b202[12]\b|\bnew (law|act)\b", re.I)),
    "2013": (re.compile(r"\b202[12]\b|\bnew (law|act)\b", re.I), re.compile(r"\b2013\b|\bold (law|act)\b", re.I)),
}
_ASKS_AMOUNT = re.compile(
    r"\bhow much\b(?!\s+time)|\bhow high\b(?!.{0,30}\blevel)|\bhow expensive\b|\bwhat (does|do|will) .{0,40}\bcost\b"
    r"|\bhoeveel\b(?!\s+tijd)|\bhoe hoog\b|\bwat kost",
    re.I,
)
# an amount, or what stands in for one: who pays, that it is free or a loan, or that the figure is on the official page
_GIVES_AMOUNT = re.compile(
    r"€|\beuros?\b|\bfree\b|\bno cost|\bcosts? nothing\b|(?<!how to )\bpays?\b(?!\s+(it|the loan)\b)|\bpaid\b"
    r"|\bloan\b|\bborrow|\bcheck\b"
    r"|\bofficial (page|site)\b",
    re.I,
)
_ASKS_COUNT = re.compile(
    r"\bhow many\b(?!\s+(years?|months?|weeks?|days?|hours?|minutes?)\b)|\bhow often\b|\bhoe vaak\b|\bhoeveel keer\b",
    re.I,
)
# a number, or what stands in for one: no limit, or that the number is on the official page
_GIVES_COUNT = re.compile(
    r"(?<!\w)\d+\b|\b(one|two|three|four|five|six|seven|eight|nine|ten) times\b|\b(once|twice|unlimited|no limit|as often as)\b"
    r"|\bcheck\b|\bofficial (page|site)\b|\bnumbers?\b",
    re.I,
)
# (kind, the question asks for one, the text gives one): a question whose answer gives none is told so
_ASKED_FOR = (("amount", _ASKS_AMOUNT, _GIVES_AMOUNT), ("number", _ASKS_COUNT, _GIVES_COUNT))
_POLARITY = re.compile(r"^(yes|no|partly|not always|not necessarily|usually|it depends)[.,!:;]\s*", re.I)
# A FAQ answer's short verdict on its own question ("Not on your own.", "Not automatically."): as a sentence of its
# own it answers only that question (served by _own_faq), never another one, as the answer or as its context.
_SHORT_VERDICT = re.compile(r"^not(\s+\w+){1,3}[.!]$", re.I)
_YES_NO_QUESTION = re.compile(
    r"^\W*(can|could|may|must|do|does|did|is|are|am|was|were|should|have|has|will|would|moet|kan|mag|is|ben|heb)\b"
    r"|,\s*(can|do|does|is|are|should|must) i\b",
    re.I,
)
# A question that asks what something is; a sentence (or glossary line) that says what something is. For any
# other question ("what do I bring", "what happens if I miss it") a definition is the lead, not the answer.
_ASKS_DEFINITION = re.compile(
    r"(^|[.?!]\s)\W*(what('?s| is| are)\b|what does .{1,40}\b(mean|stand for)\b|wat (is|zijn|betekent)\b|define\b|explain\b"
    r"|tell me (more )?about\b)|\bmean(s|ing)?\b|\bstands? for\b",
    re.I,
)
_HOW_IT_WORKS = re.compile(r"\bhow (does|do|is|will|would) .{0,60}\bwork(s|ing)?\b", re.I)
_DEFINES = re.compile(r"^[^.,;:]{0,60}?\b(is one of|stands for|means|is a|is an|is the|are the)\b", re.I)
# A question (or FAQ heading) that asks which of the two acts applies
_WHICH_ACT = re.compile(
    r"\b(which|what|wich)\s+(integration\s+)?(act|law|wet)\b"
    r"|\b(old|new|2013|2021)\s*(act|law|wet)?\s+or\s+(the\s+)?(old|new|2013|2021)\b",
    re.I,
)
# A sentence naming the other act that tells what does not apply under the user's own
_CONTRAST = re.compile(
    r"^\W*(no|not)\b|\bonly (exists?|appl(y|ies)|under|in)\b|\bbelongs? to\b|\b(does|do) not (exist|apply)\b", re.I
)
_LEANS_BACK = re.compile(r"^(it|this|that|they|these|those|there|he|she|so|then|but|also|however|here)\b", re.I)


# Features of a candidate sentence unit (AnswerSelector.candidates); its score is their weighted sum.
FEATURES = (
    "cosine",  # question <-> sentence (MiniLM)
    "aspect_cosine",  # the question without its topic words <-> sentence
    "overlap",  # share of the question's word weight (IDF) in the sentence
    "aspect_overlap",  # the same for the question's words beside its topic
    "cues",  # kinds of fact the question asks for (a duration, an office, a consequence ...) in the sentence
    "passage_prior",  # retrieval score of the sentence's passage, relative to the best
    "guide_prior",  # 1, 1/2, 1/4 for the guides retrieval ranked first, second, third
    "definition",  # a definition, for a question that does not ask what something is
    "definition_asked",  # a definition, for a question that asks what something is
    "other_act",  # about the other integration act than the user's
    "own_act",  # names the user's own act ("under the 2021 act that start date is in the second letter")
    "other_term",  # about a term the question's term is mixed up with (KNM for a question about KNS), not about it
    "faq",  # from a FAQ answer (to another question)
    "lead",  # the first sentence of its passage
    "pair",  # a two-sentence unit
    "heading_cosine",  # question <-> the passage's heading (a FAQ's own question)
    "situation",  # states whether someone in the situation the question names has to integrate (under 18, EU ...)
)
_OTHER_ACT_COLUMN = FEATURES.index("other_act")
_OTHER_TERM_COLUMN = FEATURES.index("other_term")
# Rules, not preferences: never learned from the few questions that state an act or a confusable term.
FIXED_WEIGHTS = {"other_act": -2.0, "other_term": -1.0, "own_act": 0.3, "situation": 2.0}
# Hand-set weights (before a ranker was fitted); used when RANKER_WEIGHTS has none.
DEFAULT_WEIGHTS = (1.0, 0.0, 0.25, 0.0, 0.12, 0.10, 0.10, -0.08, 0.0, -0.35, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 2.0)


def everyday_synonyms(tokens: Callable[[str], list[str]]) -> dict[str, frozenset[str]]:
    """Word -> the other words of its groups in knowledge/english_synonyms.yml, as search tokens."""
    try:
        data = yaml.safe_load((settings.KNOWLEDGE_DIR / "english_synonyms.yml").read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    out: dict[str, set[str]] = {}
    for group in data.get("groups", []):
        words = {token for word in group for token in tokens(str(word))[:1]}
        for word in words:
            out.setdefault(word, set()).update(words - {word})
    return {word: frozenset(others) for word, others in out.items()}


def ranker_weights() -> np.ndarray:
    """The fitted weights (`python -m bot fit-ranker`), else the hand-set ones."""
    try:
        data = json.loads(settings.RANKER_WEIGHTS.read_text(encoding="utf-8"))
        fitted = {**FIXED_WEIGHTS, **data["weights"]}  # a rule added after the fit has its fixed weight
        weights = [float(fitted[name]) for name in FEATURES]
    except (OSError, KeyError, ValueError, TypeError):
        weights = list(DEFAULT_WEIGHTS)
    return np.array(weights, dtype=np.float32)


@dataclass(frozen=True)
class Selection:
    text: str
    passage: Passage
    score: float
    missing: Optional[str] = None  # "amount" or "number": the question asks for one, the text gives none


class AnswerSelector:
    def __init__(self, retriever: Retriever):
        self.retriever = retriever
        index = retriever.index
        self.sentences = index.sentences
        self.sentence_vectors = index.sentence_vectors
        self.heading_vectors = index.heading_vectors
        self.by_passage: dict[int, list[int]] = {}  # every unit of a passage
        self.singles: dict[int, list[int]] = {}  # its single sentences, in order
        for sid, unit in enumerate(self.sentences):
            self.by_passage.setdefault(unit.passage, []).append(sid)
            if unit.span == 1:
                self.singles.setdefault(unit.passage, []).append(sid)
        self.passage_ids = {p.id: i for i, p in enumerate(index.passages)}
        self.by_guide: dict[str, list[int]] = {}
        for pid, passage in enumerate(index.passages):
            self.by_guide.setdefault(passage.guide, []).append(pid)
        self._tokens: dict[int, frozenset[str]] = {}
        # Inverse document frequency over single sentences: a rare word of the question ("bring", "choose")
        # says more about which sentence answers than the topic word every candidate shares ("KNM").
        singles = [sid for ids in self.singles.values() for sid in ids]
        df: dict[str, int] = {}
        for sid in singles:
            for token in self._sentence_tokens(sid):
                df[token] = df.get(token, 0) + 1
        n = max(len(singles), 1)
        self.idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
        self.max_idf = math.log(n + 1) + 1.0
        self.weights = ranker_weights()
        self.synonyms = everyday_synonyms(retriever.normalizer.tokens)
        self.confusable: dict[str, set[str]] = {}  # term -> the terms it is mixed up with (both ways)
        for term in retriever.normalizer.glossary:
            for other in term.not_to_confuse_with:
                self.confusable.setdefault(term.term, set()).add(other)
                self.confusable.setdefault(other, set()).add(term.term)
        self._about: dict[int, frozenset[str]] = {}

    def _sentence_tokens(self, sid: int) -> frozenset[str]:
        tokens = self._tokens.get(sid)
        if tokens is None:
            tokens = frozenset(self.retriever.normalizer.tokens(self.sentences[sid].text))
            self._tokens[sid] = tokens
        return tokens

    def _named(self, text: str) -> frozenset[str]:
        """The confusable glossary terms a text names."""
        terms = self.retriever.normalizer.analyse(text).terms
        return frozenset(m.term.term for m in terms if m.term.term in self.confusable)

    def _about_terms(self, sid: int) -> frozenset[str]:
        """The confusable terms a unit is about: those it names, else those of its section heading, else those of
        its guide's title ("The questions are written in Dutch" in the KNM guide is about KNM)."""
        about = self._about.get(sid)
        if about is None:
            passage = self.retriever.index.passages[self.sentences[sid].passage]
            about = self._named(self.sentences[sid].text) or self._named(passage.section) or self._named(passage.guide)
            self._about[sid] = about
        return about

    def _other_term(self, sid: int, asked_terms: frozenset[str]) -> bool:
        """The unit is about a term that one of the question's terms is mixed up with, and not about that term."""
        about = self._about_terms(sid)
        return any(term not in about and (about & self.confusable[term]) - asked_terms for term in asked_terms)

    def select(
        self,
        result: SearchResult,
        act: Optional[str] = None,
        asked: Optional[str] = None,
        topic_guide: Optional[str] = None,
    ) -> Optional[Selection]:
        """`asked`: what the user asked in this message, when the search also carried the previous topic
        (a follow-up): the topic finds the passages, the message picks the sentence, and only from the
        previous turn's guide (`topic_guide`) or the best FOLLOW_UP_GUIDES ones ("is that free?" after booking an exam must
        not be answered with what is free at the IDW)."""
        if result.abstain or not result.hits:
            return None
        query = asked or result.searched or result.query
        long_message = len(query.split()) > settings.LONG_MESSAGE_WORDS
        question = (focus_with_context(query) if long_message else None) or query
        qvec = self.retriever.embedder.encode_query(question)
        selection = self._own_faq(result, question, qvec, act)
        if selection is None or _names_other_act(selection.passage.text, act):
            selection = self._best_sentences(result, question, qvec, act, topic_guide if asked else None, query)
        if selection is not None:
            for kind, asks, gives in _ASKED_FOR:
                if asks.search(question) and not gives.search(selection.text):
                    return replace(selection, missing=kind)
        return selection

    def _own_faq(
        self, result: SearchResult, question: str, qvec: np.ndarray, act: Optional[str] = None
    ) -> Optional[Selection]:
        """A FAQ answer whose own question is the user's question: close in meaning, and asking about the
        same things (the question's rare words are in the FAQ question); a yes/no answer only for a
        yes/no question."""
        best: tuple[float, int, str] = (0.0, -1, "")
        for hit in result.candidates[:6]:
            if hit.passage.kind not in FAQ_KINDS:
                continue
            pid = self.passage_ids[hit.passage.id]
            similarity, wording = self.retriever.faq_question_match(pid, qvec)  # its closest wording
            best = max(best, (similarity, pid, wording))
        if best[0] < settings.FAQ_QUESTION_MATCH_MIN:
            return None
        passage, wording = self.retriever.index.passages[best[1]], best[2]
        if act in _OTHER_ACT and _WHICH_ACT.search(passage.section) and not _WHICH_ACT.search(question):
            return None  # "which law applies to me?" is not asked again of someone whose act is known
        if _POLARITY.match(passage.text) and not _YES_NO_QUESTION.match(question):
            return None
        mine, theirs = question_kind(question), question_kind(wording)
        if mine and theirs and mine != theirs:  # "what is the B1 route?" is not "where can you tell you're on it?"
            return None
        if self._coverage(question, wording) < settings.FAQ_QUESTION_COVERAGE_MIN:
            return None
        singles = self.singles.get(best[1], [])
        if act in _OTHER_ACT:  # "Under the 2013 act ..." is not shown to someone under the 2021 act
            under_other = self._read_under_other_act(best[1], act)
            singles = [
                sid
                for sid, other in zip(singles, under_other)
                if not other or _CONTRAST.search(self.sentences[sid].text)  # "No, it belongs to the 2021 act."
            ]
            if not singles:
                return None
        units = [self.sentences[s].text for s in singles][: settings.ANSWER_MAX_SENTENCES]
        if best[0] < settings.FAQ_KEEP_YES_NO_MIN:  # a close question, not the same one: no bare yes/no
            units = [_without_polarity(u) for u in units if not _bare_polarity(u)]
        return Selection(" ".join(units), passage, best[0])

    def unknown_share(self, question: str) -> float:
        """Share of the question's word weight (IDF) carried by words that no guide sentence contains."""
        tokens = self.retriever.normalizer.analyse(question).tokens
        # who it is about and numbers ("my brother is 16 ...") say nothing about the topic, known or not
        weights = {t: self.idf.get(t, self.max_idf) for t in tokens if t not in PERSON_WORDS and not t.isdigit()}
        total = sum(weights.values())
        unknown = [
            t
            for t in weights
            if t not in self.idf and not (self.synonyms.get(t, frozenset()) & self.idf.keys())  # "sick" is "ill"
        ]
        return sum(weights[t] for t in unknown) / total if total else 0.0

    def _coverage(self, question: str, faq_question: str) -> float:
        """Share of the question's word weight (IDF) that the FAQ question also has."""
        normalizer = self.retriever.normalizer
        analysis = normalizer.analyse(faq_question)
        theirs = set(analysis.tokens) | set(normalizer.expansion_tokens(analysis))
        mine = {t: self.idf.get(t, self.max_idf) for t in normalizer.analyse(question).tokens}
        total = sum(mine.values())
        return sum(w for t, w in mine.items() if t in theirs) / total if total else 0.0

    def _best_sentences(
        self,
        result: SearchResult,
        question: str,
        qvec: np.ndarray,
        act: Optional[str],
        topic_guide: Optional[str],
        message: Optional[str] = None,
    ) -> Optional[Selection]:
        candidates = self.candidates(result, question, qvec, act, topic_guide, message)
        if candidates is None:
            return None
        sids, features = candidates
        values = features @ self.weights
        ranked = sorted(zip(sids, values.tolist()), key=lambda item: -item[1])
        if act in _OTHER_ACT:  # the user's act is known: what applies under the other act is never the answer
            about_other = {sid for sid, row in zip(sids, features) if row[_OTHER_ACT_COLUMN]}
            ranked = [(sid, value) for sid, value in ranked if sid not in about_other]
            if not ranked:
                return None
        ranked = self._of_the_asked_type(question, ranked)
        best, top = ranked[0]
        if features[sids.index(best)][_OTHER_TERM_COLUMN]:
            return None  # even the best is about the term the asked one is mixed up with: honest "I don't know"
        passage = self.retriever.index.passages[self.sentences[best].passage]
        second = self._runner_up(best, top, ranked[1:])
        if second is not None:
            text = self.with_second(best, second, act)
        else:  # a FAQ's short verdict ("Not automatically.") is context only when its question is the user's
            asked = float(self.heading_vectors[self.sentences[best].passage] @ qvec) >= settings.VERDICT_CONTEXT_MIN
            text = self.with_context(best, act, keep_verdict=asked)
        return Selection(text, passage, top)

    def _of_the_asked_type(self, question: str, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """A question that asks for a kind of fact ("who does the MAP?" an organisation, "how long ..." a
        duration) is answered by a unit that has one: the best such unit of the same guide moves first when it
        scores within ANSWER_TYPE_MARGIN of a best unit that has none."""
        wanted = [fact for asks, fact in _ANSWER_TYPES if asks.search(question)]
        if not wanted or settings.ANSWER_TYPE_MARGIN <= 0:
            return ranked
        best, top = ranked[0]
        text = self.with_context(best)
        if any(fact.search(text) for fact in wanted):
            return ranked
        guide = self.retriever.index.passages[self.sentences[best].passage].guide
        for index, (sid, value) in enumerate(ranked[1:], start=1):
            if top - value > settings.ANSWER_TYPE_MARGIN:
                break
            unit = self.sentences[sid]
            if self.retriever.index.passages[unit.passage].guide != guide:
                continue
            if all(fact.search(unit.text) for fact in wanted):
                return [ranked[index], *ranked[:index], *ranked[index + 1 :]]
        return ranked

    def _runner_up(self, best: int, top: float, ranked: list[tuple[int, float]]) -> Optional[int]:
        """The next best unit when it scores close to the best, is not the best's own sentence, and is
        supported by the same official page of the same guide: shown beside the best instead of a neighbour,
        because it often holds the fact when the best one only frames it."""
        unit = self.sentences[best]
        passages = self.retriever.index.passages
        mine = passages[unit.passage]
        own = set(range(unit.position, unit.position + unit.span))
        for sid, value in ranked:
            if top - value > settings.ANSWER_SECOND_MARGIN:
                return None
            other = self.sentences[sid]
            theirs = passages[other.passage]
            if theirs.guide != mine.guide or theirs.source_url != mine.source_url:
                continue
            if other.passage == unit.passage and own & set(range(other.position, other.position + other.span)):
                continue
            if unit.span + other.span > settings.ANSWER_MAX_SENTENCES:
                continue
            if self._repeats(sid, best):  # says again what the best one says (a FAQ restating its section)
                continue
            return sid
        return None

    def _repeats(self, sid: int, best: int) -> bool:
        tokens = self._sentence_tokens(sid)
        shared = len(tokens & self._sentence_tokens(best)) / len(tokens) if tokens else 1.0
        return shared >= settings.ANSWER_SECOND_MAX_REPEAT

    def with_second(self, best: int, second: int, act: Optional[str] = None) -> str:
        """The best unit and the runner-up (document order within a passage, else the best first), plus the
        sentence before the best when it leans back on it, within ANSWER_MAX_SENTENCES."""
        units = [self.sentences[best], self.sentences[second]]
        if units[0].passage == units[1].passage and units[1].position < units[0].position:
            units.reverse()
        parts: list[str] = []
        room = settings.ANSWER_MAX_SENTENCES - units[0].span - units[1].span
        for unit in units:
            singles = self.singles[unit.passage]
            positions = list(range(unit.position, unit.position + unit.span))
            first = _POLARITY.sub("", self.sentences[singles[positions[0]]].text)
            if room > 0 and positions[0] > 0 and _LEANS_BACK.match(first):
                candidate = self.sentences[singles[positions[0] - 1]].text
                if (
                    not _bare_polarity(candidate)
                    and _without_polarity(candidate) not in parts
                    and not _names_other_act(candidate, act)
                ):
                    positions.insert(0, positions[0] - 1)
                    room -= 1
            for position in positions:
                text = self.sentences[singles[position]].text
                if not _bare_polarity(text):
                    sentence = _without_polarity(text)
                    if sentence not in parts:
                        parts.append(sentence)
        return " ".join(parts)

    def candidates(
        self,
        result: SearchResult,
        question: str,
        qvec: np.ndarray,
        act: Optional[str],
        topic_guide: Optional[str],
        message: Optional[str] = None,
    ) -> Optional[tuple[list[int], np.ndarray]]:
        """The sentence units that compete for the answer and their features (columns: FEATURES)."""
        passage_prior: dict[int, float] = {}
        top = result.candidates[0].score if result.candidates else 1.0
        for hit in result.candidates:
            passage_prior[self.passage_ids[hit.passage.id]] = hit.score / top
        guide_prior = {hit.passage.guide: 1.0 / (2**rank) for rank, hit in enumerate(result.hits)}
        pool = set(passage_prior) | set(self.by_guide.get(result.hits[0].passage.guide, []))
        every_cosine = self.sentence_vectors @ qvec  # question <-> every unit: the pool below and the cosine feature
        if settings.SENTENCE_POOL > 0:  # the passages of the sentences closest to the question, wherever they are
            closest = np.argsort(-every_cosine)[: settings.SENTENCE_POOL]
            pool |= {self.sentences[int(sid)].passage for sid in closest}
        if topic_guide:
            allowed = {topic_guide, *(hit.passage.guide for hit in result.hits[: settings.FOLLOW_UP_GUIDES])}
            pool = {pid for pid in pool if self.retriever.index.passages[pid].guide in allowed}
        if act in _OTHER_ACT and not _WHICH_ACT.search(question):  # the user's act is known: not explained again
            pool = {pid for pid in pool if not _WHICH_ACT.search(self.retriever.index.passages[pid].section)}
        sids = [
            sid
            for pid in sorted(pool)
            for sid in self.by_passage.get(pid, [])
            if not _verdict_only(self.sentences[sid].text)  # a bare "No." is never an answer on its own
        ]
        if not sids:
            return None
        analysis = self.retriever.normalizer.analyse(question)
        weights = {t: self.idf.get(t, self.max_idf) for t in analysis.tokens}
        if _HOW_IT_WORKS.search(question):  # "how does the speaking exam work?" asks for a description, not "work"
            weights.pop("work", None)
        asks_definition = bool(_ASKS_DEFINITION.search(question))
        # A glossary term's other forms ("Kennis van de Nederlandse Maatschappij" for "KNM") stand in for the
        # word the user typed. Only a question about what the term is gives them weight of their own: for any
        # other question the sentence that spells the term out is not the better answer.
        term_forms = self._term_forms(analysis, weights)
        if asks_definition:
            for _, forms in term_forms:
                for t in forms:
                    weights.setdefault(t, settings.DEFINITION_FORM_WEIGHT * self.idf.get(t, self.max_idf))
        # "book" is also found as "register": a question word missing from the sentence counts (at
        # EVERYDAY_SYNONYM_WEIGHT) when another word of its group is there; the total stays the question's own words
        synonyms = {t: self.synonyms[t] for t in analysis.tokens if t in self.synonyms}
        total = sum(weights.values())
        topic = self._topic_words(sids)
        aspect_weights = {t: w for t, w in weights.items() if t not in topic}
        aspect_total = sum(aspect_weights.values())
        # "what is X?" asks for X. In a message of several sentences the asking one says what is asked; the rest is
        # the situation ("my 3 years started in 2023. what happens if im not ready in time?")
        aspect = None if asks_definition else self._asking_aspect(question, analysis, topic)
        cues = [s for q, s in _CUES if q.search(question)]
        # the situation may be told before the asking sentence: the whole message (never the previous turn's)
        situations = situation_rules(message or question)
        asked_terms = frozenset(m.term.term for m in analysis.terms if m.term.term in self.confusable)
        cosine = every_cosine[sids]
        aspect_cosine = (
            self.sentence_vectors[sids] @ self.retriever.embedder.encode_query(aspect)
            if aspect
            else np.zeros(len(sids))
        )
        pids = [self.sentences[sid].passage for sid in sids]
        heading_cosine = self.heading_vectors[pids] @ qvec
        rows = []
        read_under: dict[int, list[bool]] = {}  # per passage: which of its sentences are read under the other act
        for sid, cos, aspect_cos, heading_cos in zip(sids, cosine, aspect_cosine, heading_cosine):
            unit = self.sentences[sid]
            text = unit.text
            passage = self.retriever.index.passages[unit.passage]
            tokens = self._sentence_tokens(sid)
            defines = passage.kind == "glossary" or bool(_DEFINES.search(text))
            other_act = 0.0
            if act in _OTHER_ACT:
                # about the other act: the unit names it and not the user's, or names no act and its passage
                # follows a sentence (or heading) that names only the other ("you can ask for this extra time ..."
                # after "Under the 2013 act ..."); a glossary line before any act is named is about both
                if unit.passage not in read_under:
                    read_under[unit.passage] = self._read_under_other_act(unit.passage, act)
                # a two-sentence unit is about the other act when either of its sentences is ("Under the 2021
                # act ... Under the 2013 act ..."), unless that one says what does not exist under the user's
                # act ("No, the broad intake belongs to the 2021 act.")
                other_act = float(
                    any(
                        (read_under[unit.passage][unit.position + i] or _names_other_act(single, act))
                        and not _names_own_act(single, act)
                        and not (unit.span > 1 and _CONTRAST.search(single))
                        for i, single in enumerate(self._unit_sentences(sid))
                    )
                )
            found = {t for t, others in synonyms.items() if t not in tokens and others & tokens}
            found |= {t for surface, forms in term_forms for t in surface - tokens if forms & tokens}
            rows.append(
                (
                    float(cos),
                    float(aspect_cos),
                    _share(weights, tokens, found, total),
                    _share(aspect_weights, tokens, found, aspect_total),
                    float(min(2, sum(1 for cue in cues if cue.search(text)))),
                    passage_prior.get(unit.passage, 0.0),
                    guide_prior.get(passage.guide, 0.0),
                    float(not asks_definition and defines),
                    float(asks_definition and defines),
                    other_act,
                    float(act in _OTHER_ACT and not other_act and _names_own_act(text, act)),
                    float(bool(asked_terms) and self._other_term(sid, asked_terms)),
                    float(passage.kind in FAQ_KINDS),
                    float(unit.position == 0),
                    float(unit.span > 1),
                    float(heading_cos),
                    self._situation_match(sid, situations),
                )
            )
        return sids, np.array(rows, dtype=np.float32)

    def _situation_match(self, sid: int, situations: list[re.Pattern[str]]) -> float:
        """1 when the unit's first sentence states the rule for the situation asked about, 0.5 when only its second
        does (the answer leads with the rule, not with its neighbour)."""
        if not situations:
            return 0.0
        for i, single in enumerate(self._unit_sentences(sid)):
            if any(situation.search(single) for situation in situations):
                return 1.0 if i == 0 else 0.5
        return 0.0

    def _unit_sentences(self, sid: int) -> list[str]:
        """The single sentences a unit is made of (one, or the two of a pair)."""
        unit = self.sentences[sid]
        return [self.sentences[s].text for s in self.singles[unit.passage][unit.position : unit.position + unit.span]]

    def _read_under_other_act(self, pid: int, act: str) -> list[bool]:
        """Per single sentence of the passage: is it about the other act than the user's? It is when it names only
        the other act, or names none and the last sentence (or the heading) before it that names an act names only
        the other."""
        state = _names_other_act(self.retriever.index.passages[pid].section, act)
        out: list[bool] = []
        for sid in self.singles.get(pid, []):
            text = self.sentences[sid].text
            if _names_own_act(text, act):
                state = False
            elif _names_other_act(text, act):
                state = True
            out.append(state)
        return out

    def _term_forms(self, analysis: Analysis, weights: dict[str, float]) -> list[tuple[set[str], frozenset[str]]]:
        """(the question's tokens of a glossary term, the tokens of the term's other forms) per term found."""
        normalizer = self.retriever.normalizer
        out = []
        for match in analysis.terms:
            surface = set(normalizer.tokens(match.surface)) & weights.keys()
            forms = frozenset(normalizer.term_tokens(match.term))
            if surface and forms - surface:
                out.append((surface, forms - surface))
        return out

    def _topic_words(self, sids: list[int]) -> set[str]:
        """Words that many candidate sentences share: the topic that retrieval already matched."""
        singles = [sid for sid in sids if self.sentences[sid].span == 1]
        df: dict[str, int] = {}
        for sid in singles:
            for token in self._sentence_tokens(sid):
                df[token] = df.get(token, 0) + 1
        return {t for t, c in df.items() if c >= settings.ASPECT_TOPIC_SHARE * max(len(singles), 1)}

    def _asking_aspect(self, question: str, analysis: Analysis, common: set[str]) -> Optional[str]:
        """_aspect() of the asking sentence when the message has several, else of the whole question."""
        asking = focus_with_context(question, whole_sentences=True) if settings.ASPECT_FROM_ASKING_SENTENCE else None
        if asking is None:
            return self._aspect(question, analysis, common)
        return self._aspect(asking, self.retriever.normalizer.analyse(asking), common)

    def _aspect(self, question: str, analysis: Analysis, common: set[str]) -> Optional[str]:
        """What the question asks about its topic: the question without the topic's words (the glossary
        terms it names, and words most candidate sentences share). "What do I bring on the day of my KNM
        exam?" -> "what do i bring on the day of my": close to "show a valid ID", far from "KNM is ...".
        None when nothing is left ("what is the brede intake?")."""
        text = fold(question)
        for match in analysis.terms:
            text = text.replace(fold(match.surface), " ")
        normalizer = self.retriever.normalizer
        kept = [w for w in re.findall(r"[\w']+", text) if not (set(normalizer.tokens(w)) & common)]
        if not normalizer.tokens(" ".join(kept)):
            return None
        return " ".join(kept)

    def with_context(self, best: int, act: Optional[str] = None, keep_verdict: bool = False) -> str:
        """The best unit (one or two sentences), with one neighbouring sentence of the same passage as
        context: the one before when the unit leans back ("It ...", "This ..."), else the better scoring
        neighbour; at most ANSWER_MAX_SENTENCES."""
        unit = self.sentences[best]
        singles = self.singles[unit.passage]
        chosen = list(range(unit.position, unit.position + unit.span))
        before, after = chosen[0] - 1, chosen[-1] + 1
        first_text = _POLARITY.sub("", self.sentences[singles[chosen[0]]].text)
        if before >= 0 and (_LEANS_BACK.match(first_text) or settings.ANSWER_CONTEXT == "both"):
            chosen.insert(0, before)
        if after < len(singles) and len(chosen) < settings.ANSWER_MAX_SENTENCES:
            if settings.ANSWER_CONTEXT == "both" or len(chosen) == 1:
                chosen.append(after)
        elif before >= 0 and len(chosen) == 1:
            chosen.insert(0, before)
        passage = self.retriever.index.passages[unit.passage]
        if settings.ANSWER_CONTEXT == "both" and not chosen[0] and passage.kind not in FAQ_KINDS:
            # a section's start has no sentence before it: the room goes to what follows ("... has two parts: ...")
            while len(chosen) < settings.ANSWER_MAX_SENTENCES and chosen[-1] + 1 < len(singles):
                chosen.append(chosen[-1] + 1)
        chosen = chosen[: settings.ANSWER_MAX_SENTENCES]
        first = chosen[0]
        if first > 0 and first < unit.position and _LEANS_BACK.match(self.sentences[singles[first]].text):
            # the context sentence before leans back itself ("It also shows ..."): the one before it says what
            # "it" is, and is worth more than the sentence after the unit
            if len(chosen) >= settings.ANSWER_MAX_SENTENCES and chosen[-1] > unit.position + unit.span - 1:
                chosen.pop()
            if len(chosen) < settings.ANSWER_MAX_SENTENCES:
                chosen.insert(0, first - 1)
        # a bare "No." (the FAQ's answer to its own question) is never shown as context for another question
        shown_alone = _bare_polarity if keep_verdict else _verdict_only
        chosen = [i for i in chosen if not shown_alone(self.sentences[singles[i]].text)]
        # nor a neighbour about the other act than the user's ("Under the 2013 act ..." beside a 2021 answer)
        own = range(unit.position, unit.position + unit.span)
        chosen = [i for i in chosen if i in own or not _names_other_act(self.sentences[singles[i]].text, act)]
        texts = [_without_polarity(self.sentences[singles[i]].text) for i in chosen]
        if chosen[0] == 0 and passage.kind in FAQ_KINDS and _LEANS_BACK.match(texts[0]):
            texts.insert(0, passage.section)  # "It is free if ..." needs its FAQ question to say what "it" is
        return " ".join(texts)


_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.I))
    for kind, pattern in (
        ("amount", r"\bhow (much|many)\b|\bcosts?\b|\bhoeveel\b"),
        ("time", r"\bhow long\b|\bwhen\b|\bby when\b|\bhoe lang\b|\bwanneer\b"),
        ("place", r"\bwhere\b|\bwhich (website|site|office|counter|organi[sz]ation)\b|\bwaar\b"),
        ("person", r"\bwho\b|\bwie\b"),
        ("reason", r"\bwhy\b|\bwaarom\b"),
        ("manner", r"\bhow\b|\bhoe\b"),
        ("thing", r"\bwhat\b|\bwhich\b|\bwat\b|\bwelke?\b"),
    )
)


def _names_other_act(text: str, act: Optional[str]) -> bool:
    """The sentence names the other act than the user's (known) act, and not the user's own."""
    if act not in _OTHER_ACT:
        return False
    other, own = _OTHER_ACT[act]
    return bool(other.search(text)) and not own.search(text)


def _names_own_act(text: str, act: Optional[str]) -> bool:
    return act in _OTHER_ACT and bool(_OTHER_ACT[act][1].search(text))


_KNOW_WHICH = re.compile(
    r"\bhow (do|can|could|would|will|should) (i|we|you|one) (know|tell|find out|see)\s+(?=(which|what|who)\b)", re.I
)


def situation_rules(question: str) -> list[re.Pattern[str]]:
    """For a question whether someone has to integrate that names their situation (under 18, an EU national, a
    student ...): patterns of the sentences that state the rule for it."""
    if not _ASKS_OBLIGATION.search(question):
        return []
    return [sentence for asked, sentence in _SITUATIONS if asked.search(question)]


def question_kind(text: str) -> Optional[str]:
    """What a question asks for, by its first question word: amount, time, place, person, reason, manner,
    thing, or yes/no (a question that opens with a verb). None: no question word found."""
    text = _KNOW_WHICH.sub("", text)  # "how do i know which law i'm under?" asks which law
    found = [(m.start(), rank, kind) for rank, (kind, pattern) in enumerate(_KINDS) if (m := pattern.search(text))]
    if found:
        return min(found)[2]  # the first question word; "how long" before "how" at the same place
    return "yes_no" if _YES_NO_QUESTION.match(text) else None


def _share(weights: dict[str, float], tokens: frozenset[str], by_synonym: set[str], total: float) -> float:
    """Share of the question's word weight in a sentence; a word found only through a synonym counts at
    EVERYDAY_SYNONYM_WEIGHT."""
    if not total:
        return 0.0
    own = sum(weights[t] for t in tokens if t in weights)
    other = sum(weights[t] for t in by_synonym if t in weights)
    return (own + settings.EVERYDAY_SYNONYM_WEIGHT * other) / total


def _bare_polarity(text: str) -> bool:
    """ "No." alone: a FAQ's answer to its own question, never shown on its own or as context."""
    return not _POLARITY.sub("", text).strip()


def _verdict_only(text: str) -> bool:
    return _bare_polarity(text) or bool(_SHORT_VERDICT.match(text.strip()))


def _without_polarity(text: str) -> str:
    """ "No, the MAP does not apply ..." → "The MAP does not apply ..." (the yes/no answered another question)."""
    stripped = _POLARITY.sub("", text).strip()
    return stripped[:1].upper() + stripped[1:] if stripped else text
