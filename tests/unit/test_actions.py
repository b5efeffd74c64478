"""Action unit tests on recorded trackers (as rasa-demo does): no Rasa server, no model. The assistant
behind the actions is replaced by a small stub; what is tested is what each action sends and sets."""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.actions as act
from bot.core import messages
from bot.core.contract import Action, Intent, Slot
from bot.dialogue.assistant import Answer, Assistant
from bot.dialogue.replies import Button, Reply


class StubNeed:
    def __init__(self, need_id: str, title: str, depends_on_act: bool = False):
        self.id, self.title, self.depends_on_act = need_id, title, depends_on_act


BOOK = StubNeed("book_exam", "Book an exam")
LOAN = StubNeed("pay_or_loan", "Paying or a loan", depends_on_act=True)


class StubNeeds:
    def by_id(self, value: str) -> Optional[StubNeed]:
        return {"book_exam": BOOK, "pay_or_loan": LOAN}.get(value)

    def match(self, text: str) -> None:
        return None


class StubAssistant:
    """Just enough of bot.dialogue.assistant.Assistant for the actions."""

    needs = StubNeeds()
    before_2013_need = None
    act_from = staticmethod(Assistant.act_from)
    asks_where_to_start = staticmethod(Assistant.asks_where_to_start)
    asks_only_where_to_start = staticmethod(Assistant.asks_only_where_to_start)
    complains = staticmethod(Assistant.complains)

    def __init__(self) -> None:
        self.questions: list[str] = []

    def answer_question(self, text: str, guard_note: Any = None, context: Any = None) -> Answer:
        self.questions.append(text)
        if "unknown" in text:
            return Answer([Reply("I don't know")], result=object(), answered=False)  # type: ignore[arg-type]
        return Answer([Reply(f"answer to {text}")], result=object(), answered=True, guide="G", question=text)  # type: ignore[arg-type]

    def answer_if_question(
        self, text: str, guard_note: Any = None, context: Any = None, follow_ups: bool = True
    ) -> Optional[Answer]:
        return self.answer_question(text) if text.endswith("?") else None

    def starts_counter_finder(self, text: str, intent: Optional[str]) -> bool:
        return text.startswith("/") or text.startswith("where do i go")

    def need_for_request(self, text: str, context: Any) -> Optional[str]:
        return None

    def interpret_act_reply(self, text: str, intent: Optional[str]) -> str:
        return Assistant.interpret_act_reply(self, text, intent)  # type: ignore[arg-type]

    def need_from(self, text: str) -> Optional[StubNeed]:
        return BOOK if "book" in text else None

    def interpret_need_reply(self, text: str, intent: Optional[str]) -> tuple[str, Optional[StubNeed]]:
        if "book" in text:
            return "need", BOOK
        return ("nonsense", None) if intent in (Intent.INFORM, Intent.NLU_FALLBACK) else ("other", None)

    def needs_act(self, need_id: Optional[str]) -> bool:
        need = self.needs.by_id(need_id or "")
        return bool(need and need.depends_on_act)

    def need_buttons(self, all_needs: bool = False) -> list[Button]:
        return [Button("Book an exam", "/inform")] * (21 if all_needs else 8)

    def resume_buttons(self) -> list[Button]:
        return [Button(messages.BUTTON_CONTINUE, "/continue_form"), Button(messages.BUTTON_NO_THANKS, "/deny")]

    def act_help(self) -> Reply:
        return Reply("act help")

    def overview(self, act_value: Optional[str]) -> Reply:
        return Reply("the path: BSN, letter, intake", guide="checklist")

    def handover(self) -> Reply:
        return Reply(messages.HANDOVER)

    def counter_answer(self, need_id: str, act_value: Optional[str]) -> Reply:
        return Reply(f"{need_id} under {act_value}: go to DUO.", guide="counter guide")

    def need_title(self, need_id: Optional[str]) -> Optional[str]:
        need = self.needs.by_id(need_id or "")
        return need.title if need else None


@pytest.fixture
def stub(monkeypatch) -> StubAssistant:
    assistant = StubAssistant()
    monkeypatch.setattr(act, "get_assistant", lambda: assistant)
    return assistant


def tracker(
    text: str = "",
    intent: str = Intent.ASK_QUESTION,
    slots: Optional[dict] = None,
    events: Optional[list] = None,
    active_loop: Optional[str] = None,
    entities: Optional[list] = None,
) -> Tracker:
    return Tracker(
        sender_id="unit",
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Any, t: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, events


def slots_set(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_route_counter_starts_the_finder_for_a_counter_request_and_clears_a_stale_need(stub):
    sent, events = run(
        act.ActionRouteCounter(),
        tracker("where do i go to book my exam?", Intent.ASK_COUNTER, slots={Slot.NEED: "pip"}),
    )
    assert sent == []
    assert slots_set(events) == {Slot.COUNTER_ROUTE: "finder", Slot.NEED: None, Slot.NEED_FAILURES: 0.0}


def test_route_counter_answers_a_general_question_instead_of_opening_the_form(stub):
    sent, events = run(act.ActionRouteCounter(), tracker("I just arrived, what do I need to do?", Intent.ASK_COUNTER))
    assert [m["text"] for m in sent] == ["answer to I just arrived, what do I need to do?"]
    assert slots_set(events)[Slot.COUNTER_ROUTE] == "answered"
    assert slots_set(events)[Slot.LAST_GUIDE] == "G"


@pytest.mark.parametrize("intent", [Intent.ASK_COUNTER, Intent.ASK_QUESTION])
def test_where_do_i_start_with_an_act_gets_the_path_for_that_act(stub, intent):
    action = act.ActionRouteCounter() if intent == Intent.ASK_COUNTER else act.ActionSearchKnowledge()
    sent, events = run(action, tracker("where do i start? i fall under the 2013 act", intent))
    assert [m["text"] for m in sent] == ["the path: BSN, letter, intake"]
    assert slots_set(events)[Slot.INTEGRATION_ACT] == "2013"


def test_search_remembers_the_topic_for_follow_ups(stub):
    _, events = run(act.ActionSearchKnowledge(), tracker("how long do I have?"))
    assert slots_set(events) == {Slot.LAST_QUESTION: "how long do I have?", Slot.LAST_GUIDE: "G", Slot.FEEDBACK: None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("where do i start? everything is so unknown to me", "the path: BSN, letter, intake"),
        ("when does the unknown period start?", "I don't know"),  # 'start', but not where to begin
    ],
)
def test_an_unanswered_message_that_asks_where_to_begin_gets_the_path(stub, text, expected):
    sent, _ = run(act.ActionSearchKnowledge(), tracker(text, Intent.NLU_FALLBACK))
    assert sent[0]["text"] == expected


def test_two_failed_searches_in_a_row_hand_over_to_the_official_counters(stub):
    sent, events = run(act.ActionSearchKnowledge(), tracker("unknown thing", slots={Slot.FAILED_ATTEMPTS: 1.0}))
    assert messages.HANDOVER in [m["text"] for m in sent]
    assert slots_set(events)[Slot.FAILED_ATTEMPTS] == 0.0


def test_ask_need_after_a_side_question_offers_to_continue_instead_of_the_full_list(stub):
    events = [
        {"event": "user", "text": "what is a PIP?"},
        {"event": "action", "name": Action.EXPLAIN_TERM},
        {"event": "bot", "text": "PIP: ..."},
    ]
    sent, _ = run(act.ActionAskNeed(), tracker(events=events))
    assert sent[0]["text"] == messages.ASK_NEED_RESUME
    assert [b["title"] for b in sent[0]["buttons"]] == [messages.BUTTON_CONTINUE, messages.BUTTON_NO_THANKS]


def test_ask_need_shows_the_whole_list_after_repeated_nonsense(stub):
    sent, _ = run(act.ActionAskNeed(), tracker(slots={Slot.NEED_FAILURES: 2.0}))
    assert sent[0]["text"] == messages.ASK_NEED_ALL and len(sent[0]["buttons"]) == 21


def test_nonsense_while_the_finder_asks_is_counted_in_a_slot(stub):
    form = act.ValidateCounterForm()
    t = tracker(
        "qwerty",
        Intent.NLU_FALLBACK,
        slots={Slot.REQUESTED_SLOT: Slot.NEED, Slot.NEED_FAILURES: 1.0},
        active_loop="counter_form",
    )
    dispatcher = CollectingDispatcher()
    result = asyncio.run(form.extract_need(dispatcher, t, {}))
    assert result == {Slot.NEED: None}
    assert dispatcher.messages[0]["text"] == messages.NEED_NOT_RECOGNISED
    counted = asyncio.run(form.validate_need(None, dispatcher, t, {}))
    assert counted == {Slot.NEED: None, Slot.NEED_FAILURES: 2.0}


def test_the_message_that_starts_the_finder_fills_the_task_without_an_nlu_entity(stub):
    """Rasa has set the active loop before it asks us to validate the starting message; nothing is requested yet."""
    form = act.ValidateCounterForm()
    t = tracker("where do i book my exam? i'm on the 2021 act", Intent.ASK_COUNTER, active_loop="counter_form")
    assert asyncio.run(form.extract_need(CollectingDispatcher(), t, {})) == {Slot.NEED: "book_exam"}


def test_thanks_while_the_finder_asks_is_left_to_the_exit_rules(stub):
    form = act.ValidateCounterForm()
    t = tracker("thank you", Intent.THANKS, slots={Slot.REQUESTED_SLOT: Slot.NEED}, active_loop="counter_form")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(form.extract_need(dispatcher, t, {})) == {}
    assert dispatcher.messages == []  # no "did not recognise", no list of 21 buttons


@pytest.mark.parametrize("reply", ["I am 24", "24", "im 31 years old"])
def test_an_age_is_never_an_act(stub, reply):
    form = act.ValidateCounterForm()
    dispatcher = CollectingDispatcher()
    result = asyncio.run(form.validate_integration_act(reply, dispatcher, tracker(reply, Intent.INFORM), {}))
    assert result == {Slot.INTEGRATION_ACT: None}
    assert dispatcher.messages[0]["text"] == messages.ACT_NOT_UNDERSTOOD


def test_an_act_button_is_taken_and_validated(stub):
    """Regression: the act chosen by button was extracted but dropped before validation."""
    form = act.ValidateCounterForm()
    t = tracker(
        '/inform{"integration_act":"2013"}',
        Intent.INFORM,
        slots={Slot.NEED: "pay_or_loan", Slot.REQUESTED_SLOT: Slot.INTEGRATION_ACT, Slot.INTEGRATION_ACT: None},
        events=[{"event": "action", "name": "action_listen"}],
        active_loop="counter_form",
        entities=[{"entity": "integration_act", "value": "2013"}],
    )
    domain = {"forms": {"counter_form": {"required_slots": [Slot.NEED, Slot.INTEGRATION_ACT]}}}
    events = asyncio.run(form.run(CollectingDispatcher(), t, domain))
    assert slots_set(events)[Slot.INTEGRATION_ACT] == "2013"


def test_counter_answer_keeps_the_act_and_forgets_the_need(stub):
    sent, events = run(act.ActionCounterAnswer(), tracker(slots={Slot.NEED: "book_exam", Slot.INTEGRATION_ACT: "2013"}))
    assert sent[0]["text"] == "book_exam under 2013: go to DUO."
    slots = slots_set(events)
    assert slots[Slot.NEED] is None and Slot.INTEGRATION_ACT not in slots
    assert slots[Slot.LAST_QUESTION] == "Book an exam"


def test_end_counter_finder_clears_the_run_but_not_the_act(stub):
    _, events = run(act.ActionEndCounterFinder(), tracker(slots={Slot.NEED: "pip", Slot.INTEGRATION_ACT: "2021"}))
    assert slots_set(events) == {Slot.NEED: None, Slot.NEED_FAILURES: 0.0, Slot.COUNTER_ROUTE: None}


def test_second_not_helpful_hands_over(stub):
    sent, events = run(act.ActionFeedback(), tracker("", Intent.FEEDBACK_NEGATIVE, slots={Slot.FAILED_ATTEMPTS: 1.0}))
    assert sent[-1]["text"] == f"{messages.FEEDBACK_THANKS} {messages.HANDOVER}"
    assert slots_set(events) == {Slot.FEEDBACK: "not_helpful", Slot.FAILED_ATTEMPTS: 0.0}


def test_a_question_read_as_negative_feedback_is_answered(stub):
    text = "they wrote the wrong route in my plan. do i object at duo?"
    sent, events = run(act.ActionFeedback(), tracker(text, Intent.FEEDBACK_NEGATIVE))
    assert sent[-1]["text"] == f"answer to {text}"
    assert slots_set(events)[Slot.FEEDBACK] is None  # a new answer, not a "not helpful"


# --------------------------------------------------------------------------- KNM practice and privacy


@pytest.fixture
def practice(monkeypatch):
    import random

    from bot.dialogue.knm_practice import KnmPractice
    from tests.unit.test_knm_practice import bank

    practice = KnmPractice(bank(), round_size=2, rng=random.Random(3))
    monkeypatch.setattr(act, "get_practice", lambda: practice)
    return practice


def test_knm_start_with_a_theme_sets_the_round_and_sends_the_framing(practice):
    sent, events = run(act.ActionStartKnm(), tracker("quiz me on housing", Intent.PRACTISE_KNM))
    assert "not DUO's exam questions" in sent[0]["text"]
    state = slots_set(events)[Slot.KNM]
    assert state["theme"] == "housing" and len(state["questions"]) == 2 and state["stage"] == "question"


def test_knm_validation_ignores_the_activating_message(practice):
    _, events = run(act.ValidateKnmForm(), tracker("practise knm", Intent.PRACTISE_KNM))
    assert slots_set(events) == {Slot.KNM_CHOICE: None}


def test_knm_validation_grades_and_ends_the_form_after_the_last_question(practice, stub):
    _, events = run(act.ActionStartKnm(), tracker("quiz me on housing", Intent.PRACTISE_KNM))
    state = slots_set(events)[Slot.KNM]
    for _ in range(2):
        sent, events = run(
            act.ValidateKnmForm(),
            tracker("b", Intent.KNM_ANSWER, slots={Slot.KNM: state, Slot.REQUESTED_SLOT: Slot.KNM_CHOICE}),
        )
        assert sent[0]["text"].startswith("Right!")
        state = slots_set(events)[Slot.KNM]
    assert slots_set(events)[Slot.REQUESTED_SLOT] is None
    sent, events = run(act.ActionEndKnm(), tracker("", slots={Slot.KNM: state}))
    assert "you got 2 of 2 right" in sent[0]["text"] and slots_set(events)[Slot.KNM]["questions"] == []


def test_knm_question_in_the_middle_goes_to_the_assistant(practice, stub):
    _, events = run(act.ActionStartKnm(), tracker("quiz me on housing", Intent.PRACTISE_KNM))
    slots = {Slot.KNM: slots_set(events)[Slot.KNM], Slot.REQUESTED_SLOT: Slot.KNM_CHOICE}
    sent, events = run(act.ValidateKnmForm(), tracker("what is the BRP?", Intent.ASK_QUESTION, slots=slots))
    assert stub.questions == ["what is the BRP?"] and sent[0]["text"] == "answer to what is the BRP?"
    assert slots_set(events)[Slot.KNM]["stage"] == "paused" and Slot.REQUESTED_SLOT not in slots_set(events)


def test_privacy_notice_names_the_retention_and_how_to_erase():
    sent, _ = run(act.ActionPrivacyNotice(), tracker("what do you store", Intent.PRIVACY))
    assert f"{act.settings.RETENTION_DAYS:g} days" in sent[0]["text"] and "delete my conversation" in sent[0]["text"]


def test_erase_sends_the_widget_signal_then_the_confirmation():
    sent, events = run(act.ActionEraseConversation(), tracker("/affirm", Intent.AFFIRM))
    assert sent[0]["custom"] == {"data": {"wegwijzer": "conversation_erased"}}
    assert sent[1]["text"] == messages.ERASE_DONE and events == []


@pytest.mark.parametrize(
    ("message", "asks_contact"),
    [
        ("how can i reach DUO?", True),
        ("who can i phone about my loan?", True),
        ("can i reach someone at the municipality", True),
        ("what if i cant reach b1?", False),  # a level to reach, not a person
        ("i will never reach the level in time", False),
        ("what is the phone number of duo", True),
        ("i only have a phone, no laptop. can i practise the spreken on my phone?", False),  # the device
    ],
)
def test_reach_is_a_contact_request_only_with_someone_to_reach(message, asks_contact):
    assert bool(act.CONTACT_REQUEST.search(message)) is asks_contact


def test_where_do_i_start_with_a_second_question_is_not_only_the_path(stub):
    sent, _ = run(act.ActionSearchKnowledge(), tracker("where do i start? and how much does the course cost?"))
    assert [m["text"] for m in sent] != ["the path: BSN, letter, intake"]
