"""Thin Rasa SDK actions: read the tracker, call `bot`, send the replies, set slots.

The assistant (knowledge, index, embedding model) loads once, when the action server imports this
module, not per request. Search runs in a worker thread so the event loop stays free."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import settings
from bot.dialogue.assistant import ACT_BEFORE_2013, ACT_UNKNOWN, ACTS, Answer, get_assistant
from bot.dialogue.replies import Reply

log = logging.getLogger(__name__)
assistant = get_assistant()


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons] or None)


async def in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def user_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def guard_note(tracker: Tracker) -> Optional[str]:
    """What Rasa's input guard (bot.rasa_plugins.input_guard) found in the message as the user sent it."""
    return tracker.latest_message.get("wegwijzer_guard")


def entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


NOT_RECOGNISED = "Sorry, I did not recognise that task."


def failed_need_answers(tracker: Tracker) -> int:
    """How often the current counter finder run could not recognise the user's task (from the events)."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") is None:
            break  # the previous run of the form ended here
        if event.get("event") == "user" and (event.get("parse_data") or {}).get("intent", {}).get("name") == "ask_counter":
            break
        if event.get("event") == "bot" and event.get("text") == NOT_RECOGNISED:
            count += 1
    return count


def after_answer(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer) -> list[EventType]:
    """Feedback buttons after a knowledge answer. An abstained question counts as a failure; two
    failures in a row (abstain or "not helpful") get the official counters instead of another try."""
    if answer.answered:
        dispatcher.utter_message(response="utter_ask_feedback")
        return [SlotSet("last_question", answer.question), SlotSet("last_guide", answer.guide), SlotSet("feedback", None)]
    if answer.result is None:  # a guard reply (empty, emoji, other script): not a failed search
        return []
    failures = float(tracker.get_slot("failed_attempts") or 0) + 1
    if failures >= 2:
        send(dispatcher, assistant.handover())
        failures = 0.0
    return [SlotSet("failed_attempts", failures)]


def deliver(dispatcher: CollectingDispatcher, tracker: Tracker, answer: Answer) -> list[EventType]:
    for reply in answer.replies:
        send(dispatcher, reply)
    return after_answer(dispatcher, tracker, answer)


class ActionSearchKnowledge(Action):
    def name(self) -> str:
        return "action_search_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = await in_thread(assistant.answer_question, user_text(tracker), guard_note(tracker))
        return deliver(dispatcher, tracker, answer)


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = await in_thread(assistant.answer_out_of_scope, user_text(tracker), guard_note(tracker))
        if answer is None:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        return deliver(dispatcher, tracker, answer)


class ActionExplainTerm(Action):
    def name(self) -> str:
        return "action_explain_term"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        answer = await in_thread(assistant.explain, entity(tracker, "term"), user_text(tracker), guard_note(tracker))
        return deliver(dispatcher, tracker, answer) + [SlotSet("term", None)]


class ActionOpenGuide(Action):
    def name(self) -> str:
        return "action_open_guide"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        ref = entity(tracker, "guide_ref") or tracker.get_slot("guide_ref")
        send(dispatcher, assistant.open_guide(ref))
        return [SlotSet("guide_ref", None)]


class ActionAskNeed(Action):
    """Asks for the need with buttons; after repeated nonsense, offers the whole list."""

    def name(self) -> str:
        return "action_ask_need"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        show_all = failed_need_answers(tracker) >= settings.MAX_COUNTER_REASKS
        text = (
            "Here is the full list. Please pick the one closest to what you need:"
            if show_all
            else "What do you want to do? Choose one, or type it in your own words (for example: \"book my KNM exam\")."
        )
        dispatcher.utter_message(text=text, buttons=[b.as_dict() for b in assistant.need_buttons(all_needs=show_all)])
        return []


class ActionAskIntegrationAct(Action):
    """Asks which act applies (wording from counters.yml), with a button per answer."""

    def name(self) -> str:
        return "action_ask_integration_act"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, assistant.act_question())
        return []


class ValidateCounterForm(FormValidationAction):
    def name(self) -> str:
        return "validate_counter_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        need = tracker.get_slot("need")
        if need and not assistant.needs_act(need):
            return ["need"]
        return domain_slots

    async def extract_need(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Free text fills `need` when the form asks for it, or on the message that starts the form.
        A question asked meanwhile is left to the digression rules; nonsense is counted and re-asked."""
        if tracker.get_slot("need") or entity(tracker, "need"):
            return {}
        intent = tracker.latest_message.get("intent", {}).get("name")
        asked = tracker.get_slot("requested_slot") == "need"
        starting = tracker.active_loop.get("name") != "counter_form"
        if starting:
            need = await in_thread(assistant.need_from, user_text(tracker)) if intent == "ask_counter" else None
            return {"need": need.id} if need else {}
        if not asked:
            return {}
        kind, need = await in_thread(assistant.interpret_need_reply, user_text(tracker), intent)
        if kind == "need" and need:
            return {"need": need.id}
        if kind == "digression":
            return {}
        dispatcher.utter_message(text=NOT_RECOGNISED)
        return {}

    async def validate_need(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        need = assistant.needs.by_id(str(value or "")) or await in_thread(assistant.need_from, str(value or ""))
        if need is None:  # an entity value that is not a task name: try the whole message
            need = await in_thread(assistant.need_from, user_text(tracker))
        if need:
            act = tracker.get_slot("integration_act")
            return {"need": need.id, "integration_act": act if act in ACTS else None}
        dispatcher.utter_message(text=NOT_RECOGNISED)
        return {"need": None}

    async def extract_integration_act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "integration_act" or entity(tracker, "integration_act"):
            return {}
        act = assistant.act_from(user_text(tracker))
        return {"integration_act": act} if act else {}

    async def validate_integration_act(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        act = assistant.act_from(str(value or ""))
        if act in ACTS:
            return {"integration_act": act}
        if act == ACT_BEFORE_2013 and assistant.before_2013_need:
            return {"need": assistant.before_2013_need.id, "integration_act": "2013"}
        if act == ACT_UNKNOWN:
            send(dispatcher, assistant.act_help())
        else:
            dispatcher.utter_message(text="Sorry, I did not understand. Please choose one of the buttons, or type the year you had to start.")
        return {"integration_act": None}


class ActionCounterAnswer(Action):
    def name(self) -> str:
        return "action_counter_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        need, act = tracker.get_slot("need"), tracker.get_slot("integration_act")
        reply = assistant.counter_answer(need or "", act)
        send(dispatcher, reply)
        dispatcher.utter_message(response="utter_ask_feedback")
        return [
            SlotSet("need", None),
            SlotSet("integration_act", None),
            SlotSet("last_question", f"counter finder: {need} ({act or 'any act'})"),
            SlotSet("last_guide", reply.guide),
            SlotSet("failed_attempts", 0.0),
        ]


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        helpful = tracker.latest_message.get("intent", {}).get("name") in ("feedback_positive", "affirm")
        dispatcher.utter_message(response="utter_feedback_thanks")
        if helpful:
            return [SlotSet("feedback", "helpful"), SlotSet("failed_attempts", 0.0)]
        failures = float(tracker.get_slot("failed_attempts") or 0) + 1
        if failures >= 2:
            send(dispatcher, assistant.handover())
            failures = 0.0
        else:
            dispatcher.utter_message(text="Sorry about that. Could you ask your question in other words?")
        return [SlotSet("feedback", "not_helpful"), SlotSet("failed_attempts", failures)]
