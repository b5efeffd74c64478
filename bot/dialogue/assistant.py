"""The assistant's behaviour behind the Rasa actions: one object, loaded once per process, whose
methods return channel-neutral replies. Unit-testable without Rasa."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot import settings
from bot.core.guard import NOTE_TOO_LONG, REPLIES, check
from bot.dialogue.counter_finder import ACT_2013, ACT_2021, ACT_BEFORE_2013, ACT_UNKNOWN, NeedMatcher, parse_act
from bot.dialogue.replies import (
    Button,
    Reply,
    compose_abstain,
    compose_counter_answer,
    compose_guide_overview,
    compose_search_answer,
    compose_term,
    guide_from_ref,
)
from bot.knowledge import GlossaryTerm, Need
from bot.retrieval.normalize import fold, question_focus
from bot.retrieval.search import Retriever, SearchResult, retriever_for


@dataclass
class Answer:
    replies: list[Reply]
    result: Optional[SearchResult] = None
    answered: bool = False  # a knowledge answer (not abstain, not a guard reply)
    guide: Optional[str] = None
    question: str = ""
    notes: list[str] = field(default_factory=list)


HANDOVER = Reply(
    text=(
        "I'm sorry I could not help you well enough. It is better to ask the official counter directly:\n"
        "- exams, letters, loan: DUO / inburgeren.nl — https://www.inburgeren.nl/en/\n"
        "- broad intake, PIP, your route: your municipality (gemeente) — "
        "https://www.inburgeren.nl/inburgeren-bij-de-gemeente/"
    ),
    buttons=[Button("Which counter do I need?", "/ask_counter")],
    source_url="https://www.inburgeren.nl/en/",
)


class Assistant:
    def __init__(self, retriever: Retriever):
        self.retriever = retriever
        self.kb = retriever.kb
        self.needs = NeedMatcher(self.kb.counters, retriever.embedder, retriever.normalizer)

    # -- questions ------------------------------------------------------------------
    def answer_question(self, text: Optional[str], guard_note: Optional[str] = None) -> Answer:
        """`guard_note`: what Rasa's input guard found in the message as sent (NLU and the actions
        only see the cleaned, capped text)."""
        checked = check(text)
        note = guard_note or checked.note  # the guard saw the message as sent
        if note is not None and note != NOTE_TOO_LONG:
            return Answer([Reply(REPLIES[note])], notes=[note])
        replies: list[Reply] = []
        if note == NOTE_TOO_LONG:  # say so, then answer the first part
            replies.append(Reply(REPLIES[NOTE_TOO_LONG]))
        result = self.retriever.search(checked.text)
        reply = compose_search_answer(self.kb, result)
        replies.append(reply)
        return Answer(replies, result, answered=not result.abstain, guide=reply.guide, question=checked.text)

    def answer_out_of_scope(self, text: Optional[str], guard_note: Optional[str] = None) -> Optional[Answer]:
        """NLU called the message out of scope; a strong knowledge-base match overrules it (a long
        message with one real question in it). None: nothing strong enough, say it is out of scope."""
        answer = self.answer_question(text, guard_note)
        if answer.result is None:  # the guard's own reply (empty, emoji, other script)
            return answer
        if not answer.answered:
            return None
        focus = question_focus(answer.question)  # a long message: judge the sentence that asks
        strength = max(answer.result.dense_top, self.retriever.search(focus).dense_top if focus else 0.0)
        return answer if strength >= settings.OUT_OF_SCOPE_OVERRIDE_MIN_DENSE else None

    def handover(self) -> Reply:
        return HANDOVER

    # -- glossary -------------------------------------------------------------------
    def find_term(self, text: str) -> Optional[GlossaryTerm]:
        wanted = fold(text or "").strip(" ?!.")
        for term in self.kb.glossary:
            if wanted in (fold(f) for f in term.surface_forms):
                return term
        matches = self.retriever.normalizer.analyse(text or "").terms
        return matches[0].term if matches else None

    def explain(self, entity_value: Optional[str], text: str, guard_note: Optional[str] = None) -> Answer:
        checked = check(text)
        note = guard_note or checked.note  # the guard saw the message as sent
        if note is not None and note != NOTE_TOO_LONG:
            return self.answer_question(text, guard_note)
        term = self.find_term(entity_value) if entity_value else None
        term = term or self.find_term(checked.text)
        if term is None:
            return self.answer_question(text, guard_note)
        reply = compose_term(self.kb, term)
        notes = [Reply(REPLIES[NOTE_TOO_LONG])] if note == NOTE_TOO_LONG else []
        return Answer([*notes, reply], answered=True, guide=reply.guide, question=checked.text)

    # -- guides ---------------------------------------------------------------------
    def open_guide(self, ref: Optional[str]) -> Reply:
        title = guide_from_ref(self.kb, ref or "")
        return compose_guide_overview(self.kb, title) if title else compose_abstain(self.kb)

    # -- counter finder -------------------------------------------------------------
    def need_from(self, value: Optional[str]) -> Optional[Need]:
        if not value:
            return None
        need = self.needs.by_id(value)
        if need:
            return need
        match = self.needs.match(value)
        return match.need if match else None

    def interpret_need_reply(self, text: str, intent: Optional[str]) -> tuple[str, Optional[Need]]:
        """What a message means while the counter finder waits for the need:
        ('need', Need) | ('digression', None): a question to answer first | ('nonsense', None)."""
        if intent in DIGRESSION_INTENTS - {"ask_question"}:
            return "digression", None
        match = self.needs.match(text)
        threshold = settings.NEED_MIN_SIMILARITY_FOR_QUESTION if intent == "ask_question" else 0.0
        if match and match.score >= threshold:
            return "need", match.need
        if intent == "ask_question":
            return "digression", None
        checked = check(text)
        if intent == "nlu_fallback" and checked.answerable and not self.retriever.search(checked.text).abstain:
            return "digression", None
        return "nonsense", None

    def need_buttons(self, all_needs: bool = False) -> list[Button]:
        needs = self.kb.counters.needs if all_needs else self.kb.counters.needs[: settings.NEED_BUTTONS]
        return [Button(n.title, f'/inform{{"need":"{n.id}"}}') for n in needs]

    def needs_act(self, need_id: Optional[str]) -> bool:
        need = self.needs.by_id(need_id or "")
        return bool(need and need.depends_on_act)

    @staticmethod
    def act_from(text: Optional[str]) -> Optional[str]:
        if not text:
            return None
        if text in (ACT_2021, ACT_2013, ACT_UNKNOWN):
            return text
        return parse_act(text)

    def act_question(self) -> Reply:
        question = self.kb.counters.act_question.question
        return Reply(
            f"The answer depends on your integration law. {question}",
            buttons=[
                Button("2021 act (start from 2022)", '/inform{"integration_act":"2021"}'),
                Button("2013 act (start 2013-2021)", '/inform{"integration_act":"2013"}'),
                Button("I don't know", '/inform{"integration_act":"unknown"}'),
            ],
        )

    def act_help(self) -> Reply:
        q = self.kb.counters.act_question
        return Reply(f"{q.help}\nWhen did you have to start integrating? (for example: 2019, or 2023)\n"
                     f"Official page: {q.source_url}")

    def counter_answer(self, need_id: str, act: Optional[str]) -> Reply:
        need = self.needs.by_id(need_id)
        if need is None:
            return compose_abstain(self.kb)
        return compose_counter_answer(self.kb.counters, need, act, self.kb)

    @property
    def before_2013_need(self) -> Optional[Need]:
        return self.kb.counters.need("started_before_2013")


ACTS = {ACT_2021, ACT_2013}
# Intents that interrupt the counter finder (answered by a rule, then the form resumes or stops).
DIGRESSION_INTENTS = {"ask_question", "explain_term", "help", "stop", "restart", "bot_challenge"}
__all__ = ["ACTS", "ACT_BEFORE_2013", "ACT_UNKNOWN", "DIGRESSION_INTENTS", "Answer", "Assistant", "assistant_for", "get_assistant"]


@lru_cache(maxsize=1)
def get_assistant() -> Assistant:
    return Assistant(retriever_for(settings.KNOWLEDGE_DIR, settings.INDEX_DIR))


def assistant_for(knowledge_dir: Path, index_dir: Path) -> Assistant:
    return Assistant(retriever_for(knowledge_dir, index_dir))
