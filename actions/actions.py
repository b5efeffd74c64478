"""Thin Rasa SDK actions: read the tracker, call `bot.dialogue`, send the replies, set slots.

The assistant (knowledge, index, embedding model) loads once, when the action server imports this
module, not per request. Search runs in a worker thread so the event loop stays free."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, Optional, TypeVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import settings
from bot.core import messages
from bot.core.contract import (
    ACT_2013,
    ACT_BEFORE_2013,
    ACT_UNKNOWN,
    ACTS,
    COUNTER_FORM,
    FEEDBACK_HELPFUL,
    FEEDBACK_NOT_HELPFUL,
    GUARD_NOTE_KEY,
    ROUTE_ANSWERED,
    ROUTE_FINDER,
    Entity,
    Intent,
    Slot,
    payload,
)
from bot.core.contract import (
    Action as A,
)
from bot.core.privacy import erased_signal
from bot.core.text import reads_like_question
from bot.dialogue.assistant import Answer, Assistant, Context, get_assistant
from bot.dialogue.counter_finder import stated_act
from bot.dialogue.knm_practice import PracticeState, get_practice
from bot.dialogue.replies import Button, Reply

log = logging.getLogger(__name__)
T = TypeVar("T")


def assistant() -> Assistant:
    return get_assistant()


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons] or None)


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def user_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def intent_of(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def guard_note(tracker: Tracker) -> Optional[str]:
    """What Rasa's input guard (bot.rasa_plugins.input_guard) found in the message as the user sent it."""
    return tracker.latest_message.get(GUARD_NOTE_KEY)


def entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def known_act(tracker: Tracker) -> Optional[str]:
    act = tracker.get_slot(Slot.INTEGRATION_ACT)
    return act if act in ACTS else None


def overview(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """The path in short steps, for the act the message names or the conversation knows."""
    stated = stated_act(text)
    reply = assistant().overview(stated or known_act(tracker))
    send(dispatcher, reply)
    return [*([SlotSet(Slot.INTEGRATION_ACT, stated)] if stated else []), *topic_of_turn(tracker, reply)]


def context(tracker: Tracker) -> Context:
    return Context(tracker.get_slot(Slot.LAST_QUESTION), tracker.get_slot(Slot.LAST_GUIDE), known_act(tracker))


def after_answer(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer) -> list[EventType]:
    """Remember the topic (for follow-ups) and an act the user named. An abstained question counts as a
    failure; two failures in a row (abstain or "not helpful") get the official counters instead."""
    events: list[EventType] = []
    if answer.act in ACTS:
        events.append(SlotSet(Slot.INTEGRATION_ACT, answer.act))
    if answer.answered:
        return [
            *events,
            SlotSet(Slot.LAST_QUESTION, answer.question),
            SlotSet(Slot.LAST_GUIDE, answer.guide),
            SlotSet(Slot.FEEDBACK, None),
        ]
    if answer.result is None:  # a guard reply (empty, emoji, other script): not a failed search
        return events
    failures = float(tracker.get_slot(Slot.FAILED_ATTEMPTS) or 0) + 1
    if failures >= 2:
        send(dispatcher, assistant().handover())
        failures = 0.0
    return [*events, SlotSet(Slot.FAILED_ATTEMPTS, failures)]


def deliver(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer) -> list[EventType]:
    for reply in answer.replies:
        send(dispatcher, reply)
    return after_answer(dispatcher, tracker, answer)


# What still reads as the intent's own request when it comes as a short follow-up.
START_REQUEST = re.compile(r"\b(start|begin|first (step|thing)s?|steps|arrived|new here|from the beginning)\b", re.I)
# "reach" only with someone to reach: "how can I reach DUO?" asks for a contact, "what if I can't reach B1?" does not
CONTACT_REQUEST = re.compile(
    r"(?<!my )(?<!a )(?<!the )(?<!your )\b(phone|call|e-?mail|mail|contact|talk to|speak to|helpdesk|number|address)\b"
    r"|\breach (duo|ind|coa|idw|them|him|her|you|someone|somebody|anyone|a (real )?(person|human)"
    r"|(the|my) (municipality|gemeente|helpdesk|office|contact person|school|teacher))\b",
    re.I,
)


def topic_of_turn(tracker: Tracker, reply: Reply) -> list[EventType]:
    """A reply that is not a search answer still sets the topic for a follow-up ("i cant log in there")."""
    text = user_text(tracker)
    if not text or text.startswith("/"):
        return []
    return [SlotSet(Slot.LAST_QUESTION, text), SlotSet(Slot.LAST_GUIDE, reply.guide)]


async def answer_follow_up(
    dispatcher: CollectingDispatcher, tracker: Tracker, own_request: re.Pattern[str]
) -> Optional[list[EventType]]:
    """A short follow-up that NLU gave a small intent ("what should i bring" → ask_start) is answered from
    the guides with the previous topic; None when the message is the intent's own request."""
    bot, text = assistant(), user_text(tracker)
    if not bot.answers_follow_up(text, context(tracker), own_request):
        return None
    answer = await in_thread(bot.answer_question, text, guard_note(tracker), context(tracker))
    return deliver(dispatcher, tracker, answer)


class ActionSearchKnowledge(Action):
    def name(self) -> str:
        return A.SEARCH_KNOWLEDGE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = user_text(tracker)
        if assistant().asks_only_where_to_start(text):  # the path, whatever NLU made of the rest
            return overview(dispatcher, tracker, text)
        answer = await in_thread(assistant().answer_question, text, guard_note(tracker), context(tracker))
        if not answer.answered and answer.result is not None and assistant().asks_where_to_start(text):
            # NLU was unsure ("where do i start? everything is so confusing") and no guide answers it: the
            # message asks for the starting point in its own words, so it gets the path, not "I don't know"
            return overview(dispatcher, tracker, text)
        return deliver(dispatcher, tracker, answer)


class ActionOutOfScope(Action):
    def name(self) -> str:
        return A.OUT_OF_SCOPE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = await in_thread(
            assistant().answer_out_of_scope, user_text(tracker), guard_note(tracker), context(tracker)
        )
        if answer is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        return deliver(dispatcher, tracker, answer)


class ActionExplainTerm(Action):
    def name(self) -> str:
        return A.EXPLAIN_TERM

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = await in_thread(
            assistant().explain, entity(tracker, Entity.TERM), user_text(tracker), guard_note(tracker), context(tracker)
        )
        return [*deliver(dispatcher, tracker, answer), SlotSet(Slot.TERM, None)]


class ActionOpenGuide(Action):
    def name(self) -> str:
        return A.OPEN_GUIDE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ref = entity(tracker, Entity.GUIDE_REF) or tracker.get_slot(Slot.GUIDE_REF)
        reply = assistant().open_guide(ref)
        send(dispatcher, reply)
        return [
            SlotSet(Slot.GUIDE_REF, None),
            SlotSet(Slot.LAST_GUIDE, reply.guide),
            SlotSet(Slot.LAST_QUESTION, reply.guide),
        ]


class ActionOverview(Action):
    def name(self) -> str:
        return A.OVERVIEW

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        followed = await answer_follow_up(dispatcher, tracker, START_REQUEST)
        if followed is not None:
            return followed
        return overview(dispatcher, tracker, user_text(tracker))


class ActionPersonalFile(Action):
    def name(self) -> str:
        return A.PERSONAL_FILE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        bot, text = assistant(), user_text(tracker)
        if not bot.asks_to_look_up(text):  # a general question with personal data in it: answer it (the
            answer = await in_thread(bot.answer_question, text, guard_note(tracker), context(tracker))
            return deliver(dispatcher, tracker, answer)  # reply starts with "please don't share ...")
        reply = bot.personal_file()
        send(dispatcher, reply)
        return topic_of_turn(tracker, reply)


class ActionContact(Action):
    def name(self) -> str:
        return A.CONTACT

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        followed = await answer_follow_up(dispatcher, tracker, CONTACT_REQUEST)
        if followed is not None:
            return followed
        text = user_text(tracker)
        if not CONTACT_REQUEST.search(text) and reads_like_question(text):  # "can i practise on my phone?"
            answer = await in_thread(assistant().answer_question, text, guard_note(tracker), context(tracker))
            return deliver(dispatcher, tracker, answer)
        reply = await in_thread(assistant().contact, text, context(tracker))
        send(dispatcher, reply)
        return topic_of_turn(tracker, reply)


# --------------------------------------------------------------------------- counter finder


class ActionRouteCounter(Action):
    """An ask_counter message: a real "which office/counter/website?" request starts the finder (a stale
    need from an earlier run is cleared first); any other question is answered from the guides."""

    def name(self) -> str:
        return A.ROUTE_COUNTER

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = user_text(tracker)
        bot = assistant()
        if bot.asks_only_where_to_start(text):  # "where do i start? i fall under the 2013 act": the path
            return [SlotSet(Slot.COUNTER_ROUTE, ROUTE_ANSWERED), *overview(dispatcher, tracker, text)]
        if await in_thread(bot.starts_counter_finder, text, intent_of(tracker)):
            stated = stated_act(text)
            act_events = [SlotSet(Slot.INTEGRATION_ACT, stated)] if stated else []
            need = (
                entity(tracker, Entity.NEED) if text.startswith("/") else bot.need_for_request(text, context(tracker))
            )
            return [
                SlotSet(Slot.COUNTER_ROUTE, ROUTE_FINDER),
                SlotSet(Slot.NEED, need),
                SlotSet(Slot.NEED_FAILURES, 0.0),
                *act_events,
            ]
        answer = await in_thread(bot.answer_question, text, guard_note(tracker), context(tracker))
        return [SlotSet(Slot.COUNTER_ROUTE, ROUTE_ANSWERED), *deliver(dispatcher, tracker, answer)]


# The reply for each small-talk intent when the message is not a question the guides answer.
SMALL_TALK_RESPONSES = {
    Intent.HELP: "utter_help",
    Intent.CHITCHAT: "utter_chitchat",
    Intent.AFFIRM: "utter_anything_else",
    Intent.DENY: "utter_anything_else",
    Intent.STOP: "utter_anything_else",
    Intent.SORRY: "utter_no_problem",
    Intent.BOT_CHALLENGE: "utter_iamabot",
}


class ActionSmallTalk(Action):
    """help / chitchat / ok / no / sorry / are you a bot: the fixed reply, unless the message is really a
    question the guides answer well ("what topics are in knm" is not a request for help)."""

    def name(self) -> str:
        return A.SMALL_TALK

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = await in_thread(
            assistant().answer_if_question, user_text(tracker), guard_note(tracker), context(tracker)
        )
        if answer is not None:
            return deliver(dispatcher, tracker, answer)
        dispatcher.utter_message(response=SMALL_TALK_RESPONSES.get(intent_of(tracker) or "", "utter_anything_else"))
        return []


def came_back_from_digression(tracker: Tracker) -> bool:
    """Did an answer to a side question run in this turn, before the form asks again?"""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") in (
            A.SEARCH_KNOWLEDGE,
            A.EXPLAIN_TERM,
            "utter_help",
            "utter_iamabot",
        ):
            return True
    return False


class ActionAskNeed(Action):
    """Asks for the need with buttons; after a side question, a short offer to go on; after repeated
    nonsense, the whole list."""

    def name(self) -> str:
        return A.ASK_NEED

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if came_back_from_digression(tracker):
            send(dispatcher, Reply(messages.ASK_NEED_RESUME, assistant().resume_buttons()))
            return []
        show_all = float(tracker.get_slot(Slot.NEED_FAILURES) or 0) >= settings.MAX_COUNTER_REASKS
        text = messages.ASK_NEED_ALL if show_all else messages.ASK_NEED
        send(dispatcher, Reply(text, assistant().need_buttons(all_needs=show_all)))
        return []


class ActionAskIntegrationAct(Action):
    """Asks which act applies (wording from counters.yml), with a button per answer."""

    def name(self) -> str:
        return A.ASK_INTEGRATION_ACT

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if came_back_from_digression(tracker):
            send(dispatcher, Reply(messages.ASK_NEED_RESUME, assistant().resume_buttons()))
            return []
        send(dispatcher, assistant().act_question())
        return []


class ActionResumeCounterFinder(Action):
    """ "Continue": nothing to say; the form asks its question again."""

    def name(self) -> str:
        return A.RESUME_COUNTER_FINDER

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return []


class ActionEndCounterFinder(Action):
    """The user left the finder (thanks, bye, no, another topic): forget its need; the act stays known."""

    def name(self) -> str:
        return A.END_COUNTER_FINDER

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return [SlotSet(Slot.NEED, None), SlotSet(Slot.NEED_FAILURES, 0.0), SlotSet(Slot.COUNTER_ROUTE, None)]


class ValidateCounterForm(FormValidationAction):
    def name(self) -> str:
        return A.VALIDATE_COUNTER_FORM

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        need = tracker.get_slot(Slot.NEED)
        if need and not assistant().needs_act(need):
            return [Slot.NEED]
        return domain_slots  # an act the user already named is a filled slot: the form does not ask it

    async def extract_need(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Free text fills `need` when the form asks for it, or on the message that starts the form.
        A question or an exit is left to the rules (no slot set, so Rasa rejects the form and the rules
        answer it); nonsense is counted in a slot and re-asked."""
        if tracker.get_slot(Slot.NEED):
            return {}
        intent = intent_of(tracker)
        tagged = list(tracker.get_latest_entity_values(Entity.NEED))
        named = max(tagged, key=len) if tagged else None  # "ask for extra time", not "wet"
        text = user_text(tracker)
        if named and intent == Intent.ASK_COUNTER and not text.startswith("/"):
            # a request in words: the task it asks about, not an office it offers ("my contact person or duo?")
            need = await in_thread(assistant().need_from, text)
            return {Slot.NEED: need.id if need else named}
        if named and intent in (Intent.INFORM, Intent.ASK_COUNTER):  # a button, or a task NLU recognised
            return {Slot.NEED: named}
        # the message that starts the form: Rasa has already set the active loop when it asks us to validate it,
        # but nothing has been requested yet
        starting = tracker.active_loop.get("name") != COUNTER_FORM or not tracker.get_slot(Slot.REQUESTED_SLOT)
        if starting:
            if intent != Intent.ASK_COUNTER:
                return {}
            need = await in_thread(assistant().need_from, text)
            return {Slot.NEED: need.id} if need else {}
        if tracker.get_slot(Slot.REQUESTED_SLOT) != Slot.NEED:
            return {}
        kind, need = await in_thread(assistant().interpret_need_reply, text, intent)
        if kind == "need" and need:
            return {Slot.NEED: need.id}
        if kind != "nonsense":
            return {}
        dispatcher.utter_message(text=messages.NEED_NOT_RECOGNISED)
        return {Slot.NEED: None}  # validate_need counts it; a slot event keeps the form asking

    async def validate_need(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # nonsense while the form asked for the task (extract_need said so)
            return {Slot.NEED: None, Slot.NEED_FAILURES: float(tracker.get_slot(Slot.NEED_FAILURES) or 0) + 1}
        bot = assistant()
        need = bot.needs.by_id(str(value or ""))
        if need is None and not user_text(tracker).startswith("/"):  # the whole message says more than
            need = await in_thread(bot.need_from, user_text(tracker))  # a tagged fragment ("wet")
        if need is None:
            need = await in_thread(bot.need_from, str(value or ""))
        if need:
            return {Slot.NEED: need.id, Slot.INTEGRATION_ACT: known_act(tracker)}
        return {Slot.NEED: None}  # an entity that names no task: the form asks for the task

    async def extract_integration_act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(Slot.REQUESTED_SLOT) != Slot.INTEGRATION_ACT:
            return {}
        named = entity(tracker, Entity.INTEGRATION_ACT)
        if named and user_text(tracker).startswith("/"):  # one of the act buttons
            return {Slot.INTEGRATION_ACT: named}
        bot = assistant()
        kind, need = bot.interpret_act_reply(user_text(tracker), intent_of(tracker))
        if kind == "act":
            return {Slot.INTEGRATION_ACT: bot.act_from(user_text(tracker))}
        if kind == "need" and need:  # "actually no, i want to know where i see my exam results"
            return {Slot.NEED: need.id}
        if kind == "unclear":  # "I am 24": an age, not an act; validate_integration_act says so, the form asks again
            return {Slot.INTEGRATION_ACT: None}
        return {}

    async def validate_integration_act(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Strict: only a year, an act name or "I don't know" counts ("I am 24" is an age, not an act)."""
        bot = assistant()
        act = bot.act_from(str(value or ""))
        if act in ACTS:
            return {Slot.INTEGRATION_ACT: act}
        if act == ACT_BEFORE_2013 and bot.before_2013_need:
            return {Slot.NEED: bot.before_2013_need.id, Slot.INTEGRATION_ACT: ACT_2013}
        if act == ACT_UNKNOWN:
            send(dispatcher, bot.act_help())
        else:
            dispatcher.utter_message(text=messages.ACT_NOT_UNDERSTOOD)
        return {Slot.INTEGRATION_ACT: None}


class ActionCounterAnswer(Action):
    def name(self) -> str:
        return A.COUNTER_ANSWER

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        need, act = tracker.get_slot(Slot.NEED), known_act(tracker)
        bot = assistant()
        reply = bot.counter_answer(need or "", act)
        send(dispatcher, reply)
        return [
            SlotSet(Slot.NEED, None),
            SlotSet(Slot.NEED_FAILURES, 0.0),
            SlotSet(Slot.COUNTER_ROUTE, None),
            SlotSet(Slot.LAST_QUESTION, bot.need_title(need) or need),
            SlotSet(Slot.LAST_GUIDE, reply.guide),
            SlotSet(Slot.FAILED_ATTEMPTS, 0.0),
        ]


class ActionFeedback(Action):
    def name(self) -> str:
        return A.FEEDBACK

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if intent_of(tracker) == Intent.FEEDBACK_NEGATIVE:  # "they wrote the wrong route in it. do i object?"
            text = user_text(tracker)  # a complaint about the answer is not a follow-up of it; "en als ...?" is
            follow_ups = not assistant().complains(text)
            answer = await in_thread(
                assistant().answer_if_question, text, guard_note(tracker), context(tracker), follow_ups
            )
            if answer is not None:
                return deliver(dispatcher, tracker, answer)
        if intent_of(tracker) == Intent.FEEDBACK_POSITIVE:
            dispatcher.utter_message(text=messages.FEEDBACK_THANKS)
            return [SlotSet(Slot.FEEDBACK, FEEDBACK_HELPFUL), SlotSet(Slot.FAILED_ATTEMPTS, 0.0)]
        failures = float(tracker.get_slot(Slot.FAILED_ATTEMPTS) or 0) + 1
        if failures >= 2:
            handover = assistant().handover()
            send(dispatcher, Reply(f"{messages.FEEDBACK_THANKS} {handover.text}", handover.buttons))
            failures = 0.0
        else:
            dispatcher.utter_message(text=f"{messages.FEEDBACK_THANKS} {messages.FEEDBACK_SORRY}")
        return [SlotSet(Slot.FEEDBACK, FEEDBACK_NOT_HELPFUL), SlotSet(Slot.FAILED_ATTEMPTS, failures)]


# --------------------------------------------------------------------------- KNM practice


def knm_state(tracker: Tracker) -> PracticeState:
    return PracticeState.from_slot(tracker.get_slot(Slot.KNM))


def entities_of(tracker: Tracker) -> dict[str, str]:
    return {e["entity"]: str(e.get("value")) for e in tracker.latest_message.get("entities") or [] if "entity" in e}


class ActionStartKnm(Action):
    """ "Practise KNM" (typed, a button, a theme button): the framing line the first time, then the theme
    picker or the round's first question (asked by the form)."""

    def name(self) -> str:
        return A.START_KNM

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        practice = get_practice()
        state = practice.finish(knm_state(tracker))
        outcome = practice.start(state, user_text(tracker), entities_of(tracker).get(Entity.KNM_THEME))
        for reply in outcome.replies:
            send(dispatcher, reply)
        return [SlotSet(Slot.KNM, outcome.state.to_slot()), SlotSet(Slot.KNM_CHOICE, None)]


class ActionAskKnmChoice(Action):
    """The form's question: the theme picker, the open question with its options, or "shall we go on?"."""

    def name(self) -> str:
        return A.ASK_KNM_CHOICE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, get_practice().prompt(knm_state(tracker)))
        return []


class ValidateKnmForm(Action):
    """Every message while the practice runs comes here (the form's slot has a custom mapping): an answer is
    graded, a question is answered (then "shall we go on?"), stop/bye ends the form (requested_slot None)."""

    def name(self) -> str:
        return A.VALIDATE_KNM_FORM

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot(Slot.REQUESTED_SLOT) != Slot.KNM_CHOICE:  # the form is starting: nothing to grade
            return [SlotSet(Slot.KNM_CHOICE, None)]
        answered: list[Answer] = []

        def answer_question(text: str) -> list[Reply]:
            if intent_of(tracker) == Intent.PRIVACY:
                return [privacy_notice()]
            answer = assistant().answer_question(text, guard_note(tracker), context(tracker))
            answered.append(answer)
            return answer.replies

        outcome = await in_thread(
            get_practice().handle,
            knm_state(tracker),
            user_text(tracker),
            intent_of(tracker),
            entities_of(tracker),
            answer_question,
        )
        for reply in outcome.replies:
            send(dispatcher, reply)
        events: list[EventType] = [SlotSet(Slot.KNM, outcome.state.to_slot()), SlotSet(Slot.KNM_CHOICE, None)]
        if answered:
            events += after_answer(dispatcher, tracker, answered[-1])
        if outcome.finished:
            events.append(SlotSet(Slot.REQUESTED_SLOT, None))
        return events


class ActionEndKnm(Action):
    """The practice ended (round over, stop, bye): the score, the questions missed and what to do next."""

    def name(self) -> str:
        return A.END_KNM

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        practice = get_practice()
        state = knm_state(tracker)
        for reply in practice.summary(state):
            send(dispatcher, reply)
        return [SlotSet(Slot.KNM, practice.finish(state).to_slot()), SlotSet(Slot.KNM_CHOICE, None)]


class ActionKnmNoRound(Action):
    """An answer button (or a bare "B") when no practice round is open."""

    def name(self) -> str:
        return A.KNM_NO_ROUND

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, Reply(messages.KNM_NO_ROUND, [Button(messages.BUTTON_KNM, payload(Intent.PRACTISE_KNM))]))
        return []


# --------------------------------------------------------------------------- privacy


class ActionPrivacyNotice(Action):
    def name(self) -> str:
        return A.PRIVACY_NOTICE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, privacy_notice())
        return []


def privacy_notice() -> Reply:
    days = f"{settings.RETENTION_DAYS:g}"
    return Reply(
        messages.PRIVACY_NOTICE.format(days=days), [Button(messages.BUTTON_ERASE, payload(Intent.ERASE_CONVERSATION))]
    )


class ActionConfirmErase(Action):
    def name(self) -> str:
        return A.CONFIRM_ERASE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        buttons = [
            Button(messages.BUTTON_ERASE_YES, payload(Intent.AFFIRM)),
            Button(messages.BUTTON_ERASE_NO, payload(Intent.DENY)),
        ]
        send(dispatcher, Reply(messages.ERASE_CONFIRM, buttons))
        return []


class ActionEraseConversation(Action):
    """Confirmed: the tracker store deletes this conversation instead of saving the turn (bot/core/privacy.py);
    the widget gets a signal to clear its transcript and start a new session id."""

    def name(self) -> str:
        return A.ERASE_CONVERSATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(json_message=erased_signal())
        dispatcher.utter_message(text=messages.ERASE_DONE)
        return []


class ActionKeepConversation(Action):
    def name(self) -> str:
        return A.KEEP_CONVERSATION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(text=messages.ERASE_CANCELLED)
        return []
