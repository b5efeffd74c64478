"""End-to-end: a KNM practice round over REST against the real Rasa server, action server and question bank.
Each check reads the part of the reply that carries the behaviour (the grading line, the score line), and
the right answers come from the bank itself, so a wrong grade fails the test."""

from __future__ import annotations

import json
import re

import pytest

from bot.core import messages
from bot.knowledge.knm import load_question_bank

pytestmark = pytest.mark.e2e

BANK = load_question_bank()
QUESTION_HEAD = re.compile(r"^Question (\d+) of (\d+) · ", re.M)


def open_question(replies: list[dict]) -> dict:
    """The reply that shows a question (its options are the buttons)."""
    found = [r for r in replies if QUESTION_HEAD.search(r.get("text") or "")]
    assert found, f"no question in {replies!r}"
    return found[-1]


def right_index(reply: dict) -> int:
    """Which button is right, from the bank (the stem is the line after the heading)."""
    stem = reply["text"].split("\n")[1]
    question = next(q for q in BANK.questions if stem in (q.stem, q.stem_nl))
    return question.answer


def press(stack, sender: str, reply: dict, index: int) -> list[dict]:
    return stack.say(sender, reply["buttons"][index]["payload"])


def grading(replies: list[dict]) -> str:
    texts = [r.get("text") or "" for r in replies]
    return next(t for t in texts if t.startswith(("Right!", "Not quite.")))


def test_a_full_round_by_buttons_with_a_wrong_answer(stack, sender):
    greeting = stack.say(sender, "hi")
    assert any(b["payload"] == "/practise_knm" for b in greeting[0].get("buttons") or []), greeting
    intro = stack.say(sender, "/practise_knm")
    assert "not DUO's exam questions" in intro[0]["text"]
    picker = intro[-1]
    housing = next(b for b in picker["buttons"] if b["title"] == "Housing")
    replies = stack.say(sender, housing["payload"])
    score_right = 0
    for number in range(1, 6):
        question = open_question(replies)
        assert QUESTION_HEAD.search(question["text"]).groups() == (str(number), "5")
        assert "· Housing" in question["text"]
        right = right_index(question)
        choice = (right + 1) % len(question["buttons"]) if number == 2 else right
        for b in question["buttons"]:
            assert len(b["payload"].encode()) <= 64
        replies = press(stack, sender, question, choice)
        graded = grading(replies)
        if choice == right:
            score_right += 1
            assert graded.startswith("Right!"), graded
        else:
            assert graded.startswith(f"Not quite. The right answer is {'ABCD'[right]})"), graded
        assert "Source: https://" in graded
    summary = replies[-1]["text"]
    assert f"you got {score_right} of 5 right" in summary, summary
    assert "Have another look at:" in summary
    assert messages.KNM_PRACTICE_PAGE in summary
    assert replies[-1]["buttons"][0]["title"] == messages.BUTTON_KNM_AGAIN


def test_typed_answers_a_question_in_the_middle_and_stop(stack, sender):
    replies = stack.say(sender, "quiz me on health please")
    question = open_question(replies)
    assert "· Health" in question["text"]
    letter = "abcd"[right_index(question)]
    replies = stack.say(sender, f"I think {letter}")
    assert grading(replies).startswith("Right!"), replies
    open_question(replies)
    side = stack.say(sender, "wait, what is the brede intake?")
    side_text = "\n".join(r.get("text") or "" for r in side)
    assert "Source:" in side_text and re.search(r"municipalit|gemeente", side_text, re.I), side_text
    assert side[-1]["text"] == messages.KNM_GO_ON
    again = stack.say(sender, "yes")
    question = open_question(again)
    assert QUESTION_HEAD.search(question["text"]).group(1) == "2"
    done = stack.say(sender, "stop")
    assert "OK, I stopped the practice. You got 1 of 1 right." in done[-1]["text"], done
    after = stack.say(sender, "b")
    assert after[-1]["text"] == messages.KNM_NO_ROUND


def test_practice_state_is_kept_in_the_tracker(stack, sender):
    stack.say(sender, '/practise_knm{"knm_theme":"mixed"}')
    state = stack.tracker(sender)["slots"]["knm"]
    assert state["theme"] == "mixed" and len(state["questions"]) == 5 and state["stage"] == "question"
    assert json.loads(json.dumps(state)) == state
