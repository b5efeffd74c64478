"""End-to-end: the real Rasa server + real action server + real index, driven over REST."""

from __future__ import annotations

import re

import pytest

from tests.support.stack import new_sender

pytestmark = pytest.mark.e2e

COUNTER_GUIDE = "When do you go to DUO, Mijn Inburgering or the municipality?"
URL = re.compile(r"https://[^\s]+")


def test_greeting_gets_a_welcome(stack, sender):
    replies = stack.say(sender, "hello")
    assert replies, "no reply to a greeting"
    assert "Wegwijzer" in replies[0]["text"]
    assert any(b["payload"] == "/ask_counter" for b in replies[0].get("buttons", []))


def test_question_is_answered_with_guide_and_official_source(stack, sender):
    replies = stack.say(sender, "how does the speaking exam work for inburgering?")
    answer = replies[0]["text"]
    assert "Source: How does the speaking exam for integration work? — https://" in answer
    assert any("helpful" in (r.get("text") or "").lower() for r in replies[1:])


def test_out_of_scope_question_gets_honest_answer_with_official_link(stack, sender):
    text = stack.texts(sender, "what is the best pizza place in utrecht?")
    assert "Source:" not in text
    assert "https://" in text
    assert re.search(r"(don't know|only help|can only)", text, re.I)


def _run_counter_finder(stack, sender: str, need_message: str, act_message: str | None) -> str:
    first = stack.say(sender, "/ask_counter")
    assert first and first[0].get("buttons"), first
    replies = stack.say(sender, need_message)
    if act_message is not None:
        assert any("act" in (r.get("text") or "").lower() for r in replies), replies
        replies = stack.say(sender, act_message)
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize(
    "need_payload, act_payload, counter, url_part",
    [
        ('/inform{"need":"book_exam"}', None, "Mijn Inburgering", "inburgeren.nl"),
        ('/inform{"need":"residence_permit"}', None, "IND", "ind.nl"),
        ('/inform{"need":"diploma_evaluation"}', None, "IDW", "idw.nl"),
        ('/inform{"need":"exemption"}', None, "DUO", "inburgeren.nl"),
        ('/inform{"need":"broad_intake"}', '/inform{"integration_act":"2021"}', "municipality", "inburgeren.nl"),
        ('/inform{"need":"pay_or_loan"}', '/inform{"integration_act":"2013"}', "DUO", "https://"),
    ],
)
def test_counter_finder_by_buttons(stack, need_payload, act_payload, counter, url_part):
    text = _run_counter_finder(stack, new_sender(), need_payload, act_payload)
    assert f"go to {counter}" in text or counter in text.split("go to", 1)[-1], text
    assert url_part in text
    assert f"Source: {COUNTER_GUIDE}" in text


def test_pay_or_loan_differs_between_acts(stack):
    text_2021 = _run_counter_finder(
        stack, new_sender(), '/inform{"need":"pay_or_loan"}', '/inform{"integration_act":"2021"}'
    )
    text_2013 = _run_counter_finder(
        stack, new_sender(), '/inform{"need":"pay_or_loan"}', '/inform{"integration_act":"2013"}'
    )
    assert "2021 act" in text_2021 and "2013 act" in text_2013
    assert text_2021 != text_2013


@pytest.mark.parametrize(
    "need_text, act_text, counter",
    [
        ("I want to book my KNM exam", None, "Mijn Inburgering"),
        ("where can i see my exam results", None, "Mijn Inburgering"),
        ("my diploma from syria, how to get it recognised", None, "IDW"),
        ("who makes my PIP", "the new law, 2021", "municipality"),
        ("i want to become dutch, naturalisatie", None, "IND"),
    ],
)
def test_counter_finder_by_free_text(stack, need_text, act_text, counter):
    sender = new_sender()
    stack.say(sender, "which counter do I need?")
    replies = stack.say(sender, need_text)
    if act_text:
        replies = stack.say(sender, act_text)
    text = "\n".join(r.get("text") or "" for r in replies)
    assert counter in text and "https://" in text, text
    assert f"Source: {COUNTER_GUIDE}" in text


def test_fully_specified_first_message_skips_the_questions(stack, sender):
    text = stack.texts(sender, "I want to sign up for the KNM exam, which counter do I go to?")
    assert "Mijn Inburgering" in text and f"Source: {COUNTER_GUIDE}" in text


def test_act_unknown_gets_explained_then_year_answers_it(stack, sender):
    stack.say(sender, "/ask_counter")
    stack.say(sender, '/inform{"need":"pip"}')
    help_text = stack.texts(sender, '/inform{"integration_act":"unknown"}')
    assert "1 January 2022" in help_text
    text = stack.texts(sender, "I had to start in 2023")
    assert "2021 act" in text and "municipality" in text


def test_digression_in_the_form_is_answered_and_the_form_resumes(stack, sender):
    stack.say(sender, "/ask_counter")
    replies = stack.say(sender, "wait, how does the writing exam work?")
    text = "\n".join(r.get("text") or "" for r in replies)
    assert "Source: How does the writing exam for integration work?" in text
    assert any(r.get("buttons") and any('"need"' in b["payload"] for b in r["buttons"]) for r in replies), replies
    final = stack.texts(sender, '/inform{"need":"exam_results"}')
    assert "Mijn Inburgering" in final


def test_stop_leaves_the_form(stack, sender):
    stack.say(sender, "/ask_counter")
    text = stack.texts(sender, "stop")
    assert "stopped" in text.lower()
    tracker = stack.tracker(sender)
    assert not (tracker.get("active_loop") or {}).get("name")


def test_nonsense_in_the_form_is_reasked_then_full_list_offered(stack, sender):
    stack.say(sender, "/ask_counter")
    first = stack.say(sender, "blorp zzzz qqq")
    second = stack.say(sender, "xkcd wubba lubba")
    buttons = [b for r in second for b in (r.get("buttons") or [])]
    assert any("recognise" in (r.get("text") or "") for r in first + second)
    assert len(buttons) >= 15  # the whole list of needs after two failed tries


def test_explain_term_answers_from_glossary_with_guide_link(stack, sender):
    text = stack.texts(sender, "what does PIP mean?")
    assert "Personal" in text and "Source: What is the Personal Integration and Participation Plan (PIP)?" in text


def test_feedback_is_stored_in_the_tracker_and_reported(stack, sender):
    import subprocess
    import sys

    from bot.settings import PROJECT_ROOT

    question = f"how does the listening exam work? ({sender})"
    stack.say(sender, question)
    stack.texts(sender, "/feedback_negative")
    report = subprocess.run(
        [sys.executable, "-m", "bot", "feedback-report", "--db", str(stack.tracker_db)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    line = next(line for line in report.stdout.splitlines() if sender in line)
    assert line.split()[:2] == ["1", "0"]  # one "not helpful", no "helpful"
    assert "How does the listening exam for integration work?" in line


def test_two_failures_in_a_row_offer_the_official_counters(stack, sender):
    stack.say(sender, "how does the speaking exam work?")
    first = stack.texts(sender, "/feedback_negative")
    assert "other words" in first and "inburgeren-bij-de-gemeente" not in first
    stack.say(sender, "what is the writing exam like?")
    second = stack.texts(sender, "/feedback_negative")
    assert "https://www.inburgeren.nl/en/" in second and "inburgeren-bij-de-gemeente" in second
