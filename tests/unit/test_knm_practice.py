"""The KNM practice logic (bot.dialogue.knm_practice) on a small hand-made bank: no Rasa, no model."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from bot.core import messages
from bot.core.contract import KNM_MIXED, Entity, Intent
from bot.dialogue.knm_practice import (
    BYE,
    DONE,
    PAUSED,
    QUESTION,
    STOPPED,
    THEME,
    KnmPractice,
    PracticeState,
    parse_choice,
)
from bot.dialogue.replies import Reply
from bot.knowledge.knm import KnmQuestion, KnmTheme, QuestionBank

URL = "https://www.government.nl/topics/personal-data/citizen-service-number-bsn"


def question(theme: str, n: int, answer: int = 1, dutch: bool = False) -> KnmQuestion:
    return KnmQuestion(
        id=f"{theme}-{n:02d}",
        theme=theme,
        stem=f"Question {n} about {theme}?",
        options=[f"alpha {theme} {n}", f"bravo right {theme} {n}", f"charlie {theme} {n}"],
        answer=answer,
        explanation=f"Explanation number {n} for the theme {theme}.",
        source_url=URL,
        reviewed=dt.date(2026, 12, 1),
        stem_nl=f"Vraag {n}?" if dutch else None,
        options_nl=["een", "twee", "drie"] if dutch else None,
    )


def bank() -> QuestionBank:
    housing = KnmTheme("housing", "Housing (wonen)", tuple(question("housing", i, dutch=i == 1) for i in range(1, 8)))
    health = KnmTheme(
        "health_and_care", "Health and care (zorg)", tuple(question("health_and_care", i) for i in (1, 2))
    )
    return QuestionBank((housing, health))


def no_answer(text: str) -> list[Reply]:
    raise AssertionError(f"no question expected, got {text!r}")


@pytest.fixture
def practice() -> KnmPractice:
    return KnmPractice(bank(), round_size=3, rng=random.Random(7))


def started(practice: KnmPractice, theme: str = "housing") -> PracticeState:
    return practice.start(PracticeState(), "quiz me", theme).state


def press(practice: KnmPractice, state: PracticeState, index: int):
    button = practice.question_reply(state).buttons[index]
    choice = json.loads(button.payload.split("{", 1)[0] and "{" + button.payload.split("{", 1)[1])[Entity.KNM_CHOICE]
    return practice.handle(state, button.payload, Intent.KNM_ANSWER, {Entity.KNM_CHOICE: choice}, no_answer)


def test_start_without_theme_shows_the_intro_and_the_picker(practice: KnmPractice) -> None:
    outcome = practice.start(PracticeState(), "practise knm")
    assert outcome.state.stage == THEME
    assert "not DUO's exam questions" in outcome.replies[0].text
    picker = practice.prompt(outcome.state)
    titles = [b.title for b in picker.buttons]
    assert titles[:2] == ["Housing", "Health and care"] and messages.BUTTON_KNM_MIXED in titles


def test_theme_named_in_the_request_starts_the_round(practice: KnmPractice) -> None:
    state = practice.start(PracticeState(), "quiz me on housing in dutch").state
    assert state.stage == QUESTION and state.theme == "housing" and state.dutch
    assert len(state.questions) == 3 and all(q.startswith("housing-") for q in state.questions)


def test_question_shows_options_as_buttons_with_short_payloads(practice: KnmPractice) -> None:
    state = started(practice)
    reply = practice.question_reply(state)
    assert reply.text.startswith("Question 1 of 3 · Housing")
    assert [b.title[:3] for b in reply.buttons] == ["A) ", "B) ", "C) "]
    assert all(len(b.payload.encode()) <= 64 for b in reply.buttons)


def test_a_full_round_with_a_wrong_answer(practice: KnmPractice) -> None:
    state = started(practice)
    first = practice.bank.question(state.questions[0])
    outcome = press(practice, state, 0)  # wrong (the right one is B)
    assert outcome.replies[0].text.startswith("Not quite. The right answer is B)")
    assert first is not None and first.explanation in outcome.replies[0].text and URL in outcome.replies[0].text
    outcome = practice.handle(outcome.state, "b", Intent.KNM_ANSWER, {}, no_answer)
    assert outcome.replies[0].text.startswith("Right!")
    outcome = practice.handle(outcome.state, "the second one", Intent.KNM_ANSWER, {}, no_answer)
    assert outcome.finished and outcome.state.stage == DONE
    summary = practice.summary(outcome.state)[0]
    assert "you got 2 of 3 right" in summary.text
    assert first.stem in summary.text and first.right_option in summary.text
    assert messages.KNM_PRACTICE_PAGE in summary.text
    assert summary.buttons[0].title == messages.BUTTON_KNM_AGAIN


def test_wrong_questions_come_back_first_and_seen_ones_are_not_repeated(practice: KnmPractice) -> None:
    state = started(practice)
    wrong_id = state.questions[0]
    state = press(practice, state, 0).state
    state = press(practice, state, 1).state
    state = press(practice, state, 1).state
    first_round = set(state.questions)
    state = practice.new_round(practice.finish(state), "housing")
    assert wrong_id in state.questions
    assert not (set(state.questions) - {wrong_id}) & first_round  # 7 questions: 4 unseen left, none repeated


def test_bank_used_up_brings_back_the_oldest(practice: KnmPractice) -> None:
    state = started(practice, "health_and_care")  # only 2 questions in this theme
    assert sorted(state.questions) == ["health_and_care-01", "health_and_care-02"]


def test_stale_button_is_not_graded(practice: KnmPractice) -> None:
    state = started(practice)
    old = practice.question_reply(state).buttons[1]
    state = press(practice, state, 1).state
    choice = json.loads("{" + old.payload.split("{", 1)[1])[Entity.KNM_CHOICE]
    outcome = practice.handle(state, old.payload, Intent.KNM_ANSWER, {Entity.KNM_CHOICE: choice}, no_answer)
    assert outcome.replies[0].text == messages.KNM_OLD_BUTTON and outcome.state.pos == 1


def test_a_question_in_the_middle_is_answered_then_offers_to_go_on(practice: KnmPractice) -> None:
    state = started(practice)
    asked: list[str] = []

    def answer(text: str) -> list[Reply]:
        asked.append(text)
        return [Reply("The BRP is the personal records database.")]

    outcome = practice.handle(state, "wait, what is the BRP?", Intent.ASK_QUESTION, {}, answer)
    assert asked == ["wait, what is the BRP?"] and outcome.state.stage == PAUSED
    assert practice.prompt(outcome.state).text == messages.KNM_GO_ON
    outcome = practice.handle(outcome.state, "yes", Intent.AFFIRM, {}, no_answer)
    assert outcome.state.stage == QUESTION and outcome.state.pos == 0


def test_stop_and_goodbye_end_the_practice(practice: KnmPractice) -> None:
    state = press(practice, started(practice), 1).state
    outcome = practice.handle(state, "stop", Intent.STOP, {}, no_answer)
    assert outcome.finished and outcome.state.stage == STOPPED
    assert "You got 1 of 1 right" in practice.summary(outcome.state)[0].text
    state = started(practice)
    outcome = practice.handle(state, "bye", Intent.GOODBYE, {}, no_answer)
    assert outcome.state.stage == BYE and messages.KNM_GOODBYE in practice.summary(outcome.state)[0].text


def test_thanks_keeps_the_question_open(practice: KnmPractice) -> None:
    outcome = practice.handle(started(practice), "thanks!", Intent.THANKS, {}, no_answer)
    assert outcome.replies[0].text == messages.KNM_WELCOME and outcome.state.stage == QUESTION


def test_switch_theme_and_language(practice: KnmPractice) -> None:
    state = started(practice)
    outcome = practice.handle(state, "can we switch to health questions", Intent.ASK_QUESTION, {}, no_answer)
    assert outcome.state.theme == "health_and_care" and outcome.state.stage == QUESTION
    outcome = practice.handle(outcome.state, "another theme please", Intent.PRACTISE_KNM, {}, no_answer)
    assert outcome.state.stage == THEME
    outcome = practice.handle(outcome.state, "", Intent.PRACTISE_KNM, {Entity.KNM_THEME: KNM_MIXED}, no_answer)
    assert outcome.state.theme == KNM_MIXED and outcome.state.stage == QUESTION
    outcome = practice.handle(outcome.state, "in dutch please", Intent.INFORM, {}, no_answer)
    assert outcome.state.dutch and outcome.replies[0].text == messages.KNM_LANGUAGE_NL


def test_not_an_answer_is_asked_again(practice: KnmPractice) -> None:
    outcome = practice.handle(started(practice), "blorp", Intent.NLU_FALLBACK, {}, no_answer)
    assert "A, B, C" in outcome.replies[0].text and outcome.state.stage == QUESTION


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("b", 1),
        ("B)", 1),
        ("answer c", 2),
        ("I think it's a", 0),
        ("2", 1),
        ("the third one", 2),
        ("the last one", 2),
        ("bravo right housing 1", 1),
        ("charlie", 2),
        ("twee", 1),
        ("what is the BRP?", None),
        ("e", None),
        ("5", None),
    ],
)
def test_parse_choice(text: str, index: int | None) -> None:
    assert parse_choice(text, question("housing", 1, dutch=True)) == index


def test_state_survives_the_slot_round_trip(practice: KnmPractice) -> None:
    state = press(practice, started(practice), 0).state
    again = PracticeState.from_slot(json.loads(json.dumps(state.to_slot())))
    assert again == state
    assert PracticeState.from_slot(None) == PracticeState() and PracticeState.from_slot({"bogus": 1}) == PracticeState()
