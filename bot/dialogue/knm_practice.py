"""KNM practice in the chat: rounds of multiple-choice questions from knowledge/knm/, one turn at a time.

Pure logic over a small state (kept in one Rasa slot as a dict), so it is testable without Rasa: the
actions only load the state, call :class:`KnmPractice`, send the replies and store the state again."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Optional

from bot import settings
from bot.core import messages
from bot.core.contract import KNM_MIXED, Entity, Intent, payload
from bot.core.text import reads_like_question
from bot.dialogue.replies import Button, Reply
from bot.knowledge.knm import KnmQuestion, QuestionBank, load_question_bank

LETTERS = "ABCD"

# Stages of a practice: choosing a theme, a question open, paused after a question in the middle,
# and the three ways it ends.
THEME, QUESTION, PAUSED = "theme", "question", "paused"
DONE, STOPPED, BYE = "done", "stopped", "bye"
ENDED = (DONE, STOPPED, BYE)

# Words people use for each theme (English and Dutch), to pick a theme from free text.
THEME_WORDS: dict[str, tuple[str, ...]] = {
    "work_and_income": ("work", "job", "jobs", "income", "salary", "werk", "inkomen", "employment", "benefits"),
    "manners_values_norms": ("manners", "values", "norms", "omgangsvormen", "waarden", "normen", "customs"),
    "housing": ("housing", "house", "home", "rent", "renting", "wonen", "huis", "huur"),
    "health_and_care": ("health", "care", "doctor", "gp", "gezondheid", "zorg", "huisarts", "healthcare"),
    "history_and_geography": ("history", "geography", "geschiedenis", "geografie", "aardrijkskunde"),
    "authorities": ("authorities", "instanties", "agencies", "organisations", "organizations", "authority"),
    "institutions": (
        "politics",
        "government",
        "law",
        "laws",
        "parliament",
        "staatsinrichting",
        "rechtsstaat",
        "democracy",
        "constitution",
        "politiek",
    ),
    "education_and_upbringing": (
        "education",
        "school",
        "schools",
        "upbringing",
        "parenting",
        "children",
        "onderwijs",
        "opvoeding",
    ),
    KNM_MIXED: ("mixed", "mix", "random", "all", "everything", "any", "gemengd", "alles"),
}

_FILLER = {
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "and",
    "or",
    "is",
    "it",
    "its",
    "it's",
    "i",
    "you",
    "your",
    "my",
    "with",
    "by",
    "be",
    "are",
    "was",
    "think",
    "answer",
    "option",
    "de",
    "het",
    "een",
    "en",
    "van",
}
_WORD = re.compile(r"[a-zà-ÿ0-9']+", re.I)
_LEAD = r"^\W*(?:(?:answer|option|antwoord|optie|letter|it'?s|it is|is|i think|i choose|i pick|i say|my answer is|maybe)\s*)*"
_LETTER_ANSWER = re.compile(_LEAD + r"\(?([a-d])\)?\s*[.!)]*\s*$", re.I)
_NUMBER_ANSWER = re.compile(_LEAD + r"\(?([1-4])\)?\s*[.!)]*\s*$", re.I)
_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "eerste": 0,
    "tweede": 1,
    "derde": 2,
    "vierde": 3,
    "last": -1,
    "laatste": -1,
}
_ORDINAL_ANSWER = re.compile(
    _LEAD + r"(?:the\s+|de\s+|het\s+)?(" + "|".join(_ORDINALS) + r")(?:\s+(?:one|option|answer|choice))?\W*$", re.I
)
_STOP = re.compile(
    r"^\W*(?:ok(?:ay)?,?\s+)?(?:please\s+)?(stop|quit|exit|end|enough|finish|cancel|no more|i'?m done|i am done|"
    r"that'?s enough|klaar|stoppen|stop maar|genoeg)\b",
    re.I,
)
_GO_ON = re.compile(r"^\W*(yes|yeah|yep|ok|okay|sure|go on|continue|next|ja|verder|doorgaan|let'?s go)\b", re.I)
_SWITCH_THEME = re.compile(
    r"\b(another|other|different|change|switch|new)\b.{0,20}\b(theme|topic|subject|category)\b", re.I
)
_THEME_REQUEST = re.compile(
    r"\b(switch|change|instead|let'?s do|practi[cs]e|questions? (about|on)|quiz me|about)\b", re.I
)
_NEW_ROUND = re.compile(r"\b(new|another|next|one more)\s+round\b|\bstart (again|over)\b", re.I)
_TO_DUTCH = re.compile(r"\b(in dutch|dutch please|nederlands|in het nederlands|op nederlands)\b", re.I)
_TO_ENGLISH = re.compile(r"\b(in english|english please|engels|in het engels)\b", re.I)

QUESTION_INTENTS = {
    Intent.ASK_QUESTION,
    Intent.EXPLAIN_TERM,
    Intent.ASK_COUNTER,
    Intent.ASK_START,
    Intent.ASK_CONTACT,
    Intent.PERSONAL_FILE,
    Intent.OPEN_GUIDE,
    Intent.INFORM,
    Intent.OUT_OF_SCOPE,
    Intent.NLU_FALLBACK,
    Intent.PRIVACY,
}
# Leave the practice: its summary comes first, then the user can ask again (e.g. to delete the conversation).
STOP_INTENTS = {Intent.STOP, Intent.GOODBYE, Intent.ERASE_CONVERSATION}


def _asks_something(text: str, intent: Optional[str]) -> bool:
    """A question in the middle of the practice (gibberish that NLU could not place is not one)."""
    return reads_like_question(text) or intent in QUESTION_INTENTS - {Intent.NLU_FALLBACK, Intent.OUT_OF_SCOPE}


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text or "")]


@dataclass
class PracticeState:
    stage: str = THEME
    theme: Optional[str] = None  # a theme slug or KNM_MIXED
    round_no: int = 0
    questions: list[str] = field(default_factory=list)  # ids of this round, in order
    pos: int = 0  # index of the open question
    results: list[bool] = field(default_factory=list)  # right/wrong per answered question of this round
    seen: list[str] = field(default_factory=list)  # every id asked in this conversation, oldest first
    wrong: list[str] = field(default_factory=list)  # answered wrong and not yet right: asked first next time
    dutch: bool = False
    totals: dict[str, list[int]] = field(default_factory=dict)  # theme -> [right, asked], whole conversation

    @classmethod
    def from_slot(cls, value: Any) -> PracticeState:
        if not isinstance(value, dict):
            return cls()
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError:
            return cls()

    def to_slot(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def open_question_id(self) -> Optional[str]:
        return self.questions[self.pos] if self.stage in (QUESTION, PAUSED) and self.pos < len(self.questions) else None


@dataclass
class Outcome:
    state: PracticeState
    replies: list[Reply] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state.stage in ENDED


def answer_payload(state: PracticeState, index: int) -> str:
    """≤ 64 bytes (Telegram callback data): round, position in the round, option index."""
    return payload(Intent.KNM_ANSWER, **{Entity.KNM_CHOICE: f"{state.round_no}.{state.pos}.{index}"})


def theme_payload(theme: str) -> str:
    return payload(Intent.PRACTISE_KNM, **{Entity.KNM_THEME: theme})


def parse_choice(text: str, question: KnmQuestion, dutch: bool = False) -> Optional[int]:
    """The option a typed answer means: a letter, a number, an ordinal, or (most of) the option's words."""
    count = len(question.options)
    for pattern, to_index in (
        (_LETTER_ANSWER, lambda s: "abcd".index(s.lower())),
        (_NUMBER_ANSWER, lambda s: int(s) - 1),
        (_ORDINAL_ANSWER, lambda s: _ORDINALS[s.lower()]),
    ):
        match = pattern.match(text or "")
        if match:
            index = to_index(match.group(1))
            index = count - 1 if index == -1 else index
            return index if 0 <= index < count else None
    said = {w for w in _words(text) if w not in _FILLER}
    if not said:
        return None
    for options in (question.options, question.options_nl or []):
        exact = [i for i, o in enumerate(options) if _words(o) == _words(text)]
        if exact:
            return exact[0]
    best: Optional[tuple[float, int]] = None
    for options in (question.options, question.options_nl or []):
        words = [{w for w in _words(o) if w not in _FILLER} for o in options]
        for i, own in enumerate(words):
            distinct = own - set().union(*(w for j, w in enumerate(words) if j != i))
            hits = len(said & distinct)
            if not hits or len(said & own) < len(said) / 2:  # most of what was said must be in the option
                continue
            score = hits / len(distinct)
            if score >= 0.5 or hits >= 2:
                if best is not None and best[1] != i:
                    return None  # two options fit: ask again rather than guess
                best = (score, i)
    return best[1] if best else None


def theme_in(text: str) -> Optional[str]:
    said = set(_words(text))
    for slug, words in THEME_WORDS.items():
        if said & set(words):
            return slug
    return None


def wants_dutch(text: str) -> Optional[bool]:
    if _TO_DUTCH.search(text or ""):
        return True
    if _TO_ENGLISH.search(text or ""):
        return False
    return None


class KnmPractice:
    def __init__(
        self, bank: QuestionBank, round_size: int = settings.KNM_ROUND_SIZE, rng: Optional[random.Random] = None
    ):
        self.bank = bank
        self.round_size = round_size
        self.rng = rng or random.Random()

    # ------------------------------------------------------------------ names
    def theme_name(self, slug: Optional[str]) -> str:
        if slug == KNM_MIXED or slug is None:
            return messages.BUTTON_KNM_MIXED
        theme = self.bank.theme(slug)
        return theme.name if theme else slug

    def _question(self, question_id: str) -> KnmQuestion:
        question = self.bank.question(question_id)
        if question is None:  # the bank changed under a running conversation
            raise KeyError(question_id)
        return question

    # ------------------------------------------------------------------ rounds
    def _pool(self, theme: str) -> list[KnmQuestion]:
        found = self.bank.theme(theme)
        return list(found.questions) if found else self.bank.questions

    def pick_round(self, state: PracticeState, theme: str) -> list[str]:
        """Wrong ones first, then unseen ones (shuffled), then the longest-ago seen: nothing repeats
        until the theme's questions are used up."""
        pool = self._pool(theme)
        ids = {q.id for q in pool}
        wrong = [qid for qid in state.wrong if qid in ids]
        unseen = [q.id for q in pool if q.id not in state.seen and q.id not in wrong]
        self.rng.shuffle(unseen)
        chosen = (wrong + unseen)[: self.round_size]
        if len(chosen) < self.round_size:
            oldest_first = [qid for qid in dict.fromkeys(state.seen) if qid in ids and qid not in chosen]
            chosen += oldest_first[: self.round_size - len(chosen)]
        self.rng.shuffle(chosen)
        return chosen

    def new_round(self, state: PracticeState, theme: str) -> PracticeState:
        state.theme = theme
        state.round_no += 1
        state.questions = self.pick_round(state, theme)
        state.pos, state.results, state.stage = 0, [], QUESTION
        return state

    # ------------------------------------------------------------------ start
    def start(self, state: PracticeState, text: str, theme: Optional[str] = None) -> Outcome:
        """A practice request ("quiz me on housing in Dutch", or a theme button)."""
        language = wants_dutch(text)
        if language is not None:
            state.dutch = language
        theme = theme if (theme in THEME_WORDS) else theme_in(text)
        replies = (
            [] if state.round_no else [Reply(messages.KNM_INTRO, guide=None, source_url=messages.KNM_PRACTICE_PAGE)]
        )
        if theme:
            self.new_round(state, theme)
        else:
            state.stage = THEME
        return Outcome(state, replies)

    # ------------------------------------------------------------------ what to show now
    def theme_picker(self, text: str = messages.KNM_PICK_THEME) -> Reply:
        buttons = [Button(self.theme_name(t.slug), theme_payload(t.slug)) for t in self.bank.themes]
        buttons.append(Button(messages.BUTTON_KNM_MIXED, theme_payload(KNM_MIXED)))
        return Reply(text, buttons)

    def question_reply(self, state: PracticeState) -> Reply:
        question = self._question(state.questions[state.pos])
        dutch = state.dutch and question.has_dutch
        stem = question.stem_nl if dutch and question.stem_nl else question.stem
        options = question.options_nl if dutch and question.options_nl else question.options
        lines = [messages.KNM_OPTION.format(letter=LETTERS[i], text=o) for i, o in enumerate(options)]
        text = messages.KNM_QUESTION.format(
            number=state.pos + 1,
            total=len(state.questions),
            theme=self.theme_name(question.theme),
            stem=stem,
            options="\n".join(lines),
        )
        if state.dutch and not question.has_dutch:
            text += "\n" + messages.KNM_NO_DUTCH
        buttons = [Button(f"{LETTERS[i]}) {o}", answer_payload(state, i)) for i, o in enumerate(options)]
        return Reply(text, buttons)

    def prompt(self, state: PracticeState) -> Reply:
        """What the practice asks for now (the form's question for its slot)."""
        if state.stage == QUESTION and state.pos < len(state.questions):
            return self.question_reply(state)
        if state.stage == PAUSED:
            return Reply(
                messages.KNM_GO_ON,
                [
                    Button(messages.BUTTON_KNM_GO_ON, payload(Intent.CONTINUE_FORM)),
                    Button(messages.BUTTON_KNM_STOP, payload(Intent.STOP)),
                ],
            )
        picker = self.theme_picker()
        language = messages.BUTTON_KNM_ENGLISH if state.dutch else messages.BUTTON_KNM_DUTCH
        picker.buttons.append(Button(language, language))
        return picker

    # ------------------------------------------------------------------ one user turn
    def handle(
        self,
        state: PracticeState,
        text: str,
        intent: Optional[str],
        entities: dict[str, str],
        answer_question: Callable[[str], list[Reply]],
    ) -> Outcome:
        text = (text or "").strip()
        if intent == Intent.RESTART:
            state.stage = STOPPED
            return Outcome(state)
        language = wants_dutch(text) if not text.startswith("/") else None
        if language is not None and len(_words(text)) <= 6:
            state.dutch = language
            if state.stage == PAUSED:
                state.stage = QUESTION if state.questions else THEME
            return Outcome(state, [Reply(messages.KNM_LANGUAGE_NL if language else messages.KNM_LANGUAGE_EN)])
        if state.stage == THEME:
            return self._choose_theme(state, text, intent, entities, answer_question)
        question = self._question(state.questions[state.pos])
        choice = self._choice(state, question, text, entities)
        if choice == "stale":
            return Outcome(state, [Reply(messages.KNM_OLD_BUTTON)])
        if isinstance(choice, int):
            return self._grade(state, question, choice)
        if intent in STOP_INTENTS or _STOP.match(text):
            state.stage = BYE if intent == Intent.GOODBYE else STOPPED
            return Outcome(state)
        chosen_theme = entities.get(Entity.KNM_THEME)
        if intent == Intent.PRACTISE_KNM and chosen_theme in THEME_WORDS:
            return Outcome(self.new_round(state, chosen_theme))
        if intent == Intent.PRACTISE_KNM and not theme_in(text):  # "another theme" button, "practise knm"
            state.stage = THEME
            return Outcome(state)
        if _SWITCH_THEME.search(text):
            state.stage = THEME
            return Outcome(state)
        named = theme_in(text) if _THEME_REQUEST.search(text) else None
        if named and named != KNM_MIXED:
            return Outcome(self.new_round(state, named))
        if _NEW_ROUND.search(text):
            return Outcome(self.new_round(state, state.theme or KNM_MIXED))
        if state.stage == PAUSED:
            if intent in (Intent.DENY,):
                state.stage = STOPPED
                return Outcome(state)
            if intent in (Intent.AFFIRM, Intent.CONTINUE_FORM) or _GO_ON.match(text):
                state.stage = QUESTION
                return Outcome(state)
        if intent == Intent.THANKS and not reads_like_question(text):
            return Outcome(state, [Reply(messages.KNM_WELCOME)])
        if _asks_something(text, intent):
            replies = answer_question(text)
            state.stage = PAUSED
            return Outcome(state, replies)
        if state.stage == PAUSED:
            return Outcome(state)
        letters = ", ".join(LETTERS[: len(question.options)])
        return Outcome(state, [Reply(messages.KNM_NOT_AN_ANSWER.format(letters=letters))])

    def _choice(
        self, state: PracticeState, question: KnmQuestion, text: str, entities: dict[str, str]
    ) -> Optional[int | str]:
        button = entities.get(Entity.KNM_CHOICE)
        if button:
            parts = button.split(".")
            if len(parts) != 3 or not all(p.isdigit() for p in parts):
                return None
            round_no, pos, index = (int(p) for p in parts)
            if (round_no, pos) != (state.round_no, state.pos):
                return "stale"
            return index if 0 <= index < len(question.options) else None
        if text.startswith("/"):
            return None
        return parse_choice(text, question, state.dutch)

    def _choose_theme(
        self,
        state: PracticeState,
        text: str,
        intent: Optional[str],
        entities: dict[str, str],
        answer_question: Callable[[str], list[Reply]],
    ) -> Outcome:
        theme = entities.get(Entity.KNM_THEME)
        theme = theme if theme in THEME_WORDS else theme_in(text)
        if theme:
            return Outcome(self.new_round(state, theme))
        if intent in STOP_INTENTS | {Intent.DENY} or _STOP.match(text):
            state.stage = BYE if intent == Intent.GOODBYE else STOPPED
            return Outcome(state)
        if intent == Intent.THANKS and not reads_like_question(text):
            return Outcome(state, [Reply(messages.KNM_WELCOME)])
        if _asks_something(text, intent):
            return Outcome(state, answer_question(text))
        return Outcome(state, [Reply(messages.KNM_THEME_NOT_KNOWN)])

    def _grade(self, state: PracticeState, question: KnmQuestion, choice: int) -> Outcome:
        right = choice == question.answer
        state.results.append(right)
        if question.id not in state.seen:
            state.seen.append(question.id)
        if right and question.id in state.wrong:
            state.wrong.remove(question.id)
        if not right and question.id not in state.wrong:
            state.wrong.append(question.id)
        total = state.totals.setdefault(question.theme, [0, 0])
        total[0] += int(right)
        total[1] += 1
        dutch = state.dutch and question.options_nl is not None
        option = (question.options_nl if dutch and question.options_nl else question.options)[question.answer]
        if right:
            text = messages.KNM_RIGHT.format(explanation=question.explanation, url=question.source_url)
        else:
            text = messages.KNM_WRONG.format(
                letter=LETTERS[question.answer],
                option=option,
                explanation=question.explanation,
                url=question.source_url,
            )
        state.pos += 1
        state.stage = DONE if state.pos >= len(state.questions) else QUESTION
        return Outcome(state, [Reply(text, source_url=question.source_url)])

    # ------------------------------------------------------------------ the end
    def summary(self, state: PracticeState) -> list[Reply]:
        """What the user reads when the practice ends (round over, stopped, goodbye)."""
        answered = len(state.results)
        right = sum(state.results)
        missed = [self.bank.question(qid) for qid, ok in zip(state.questions, state.results, strict=False) if not ok]
        lines: list[str] = []
        if state.stage == DONE:
            lines.append(messages.KNM_SCORE.format(right=right, total=answered))
        elif answered:
            lines.append(messages.KNM_SCORE_STOPPED.format(right=right, total=answered))
        elif state.stage != BYE:
            lines.append(messages.KNM_STOPPED_EMPTY)
        if missed:
            items = "\n".join(
                messages.KNM_MISSED_ITEM.format(stem=q.stem, answer=q.right_option) for q in missed if q is not None
            )
            lines.append(messages.KNM_MISSED.format(items=items))
        elif state.stage == DONE and answered:
            lines.append(messages.KNM_ALL_RIGHT)
        if state.stage == BYE:
            lines.append(messages.KNM_GOODBYE)
            return [Reply("\n".join(lines))]
        lines.append(messages.KNM_OFFICIAL)
        return [Reply("\n".join(lines), self.offers(state), source_url=messages.KNM_PRACTICE_PAGE)]

    def offers(self, state: PracticeState) -> list[Button]:
        buttons = [Button(messages.BUTTON_KNM_AGAIN, theme_payload(state.theme or KNM_MIXED))]
        weak = self.weak_theme(state)
        if weak and weak != state.theme:
            buttons.append(Button(messages.BUTTON_KNM_WEAK.format(theme=self.theme_name(weak)), theme_payload(weak)))
        buttons.append(Button(messages.BUTTON_KNM_OTHER_THEME, payload(Intent.PRACTISE_KNM)))
        return buttons

    def weak_theme(self, state: PracticeState) -> Optional[str]:
        """The theme with the most wrong answers still to put right in this conversation."""
        counts: dict[str, int] = {}
        for qid in state.wrong:
            question = self.bank.question(qid)
            if question is not None:
                counts[question.theme] = counts.get(question.theme, 0) + 1
        return max(counts, key=lambda t: counts[t]) if counts else None

    def finish(self, state: PracticeState) -> PracticeState:
        """Forget the round, keep what the next round needs (seen, wrong, language, totals)."""
        state.stage, state.questions, state.pos, state.results = THEME, [], 0, []
        return state


@lru_cache(maxsize=1)
def get_practice() -> KnmPractice:
    """The practice over knowledge/knm/, loaded once per process (the action server loads it at import)."""
    return KnmPractice(load_question_bank())
