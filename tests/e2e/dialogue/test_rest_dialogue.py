"""End-to-end: the real Rasa server + real action server + real index, driven over REST."""

from __future__ import annotations

import re

import pytest

from tests.support.stack import new_sender

pytestmark = pytest.mark.e2e

COUNTER_GUIDE = "When do you go to DUO, Mijn Inburgering or the municipality?"
URL = re.compile(r"https://[^\s]+")
COUNTER_LINE = re.compile(r"^(?P<need>[^\n:]+?)(?: under the (?P<act>\d{4}) act)?: go to (?P<counter>[^\n]+?)\.$", re.M)


def counter_named(text: str) -> str:
    """The counter in the answer's own "<task>: go to <counter>." line (not the citation, whose guide
    title names DUO, Mijn Inburgering and the municipality anyway)."""
    match = COUNTER_LINE.search(text)
    assert match, f"no counter line in: {text!r}"
    return match.group("counter")


def test_greeting_gets_a_welcome(stack, sender):
    replies = stack.say(sender, "hello")
    assert replies, "no reply to a greeting"
    assert "Wegwijzer" in replies[0]["text"]
    assert any(b["payload"] == "/ask_counter" for b in replies[0].get("buttons", []))


def test_question_is_answered_in_one_message_with_guide_source_and_feedback_buttons(stack, sender):
    replies = stack.say(sender, "how does the speaking exam work for inburgering?")
    assert len(replies) == 1, replies
    answer = replies[0]["text"]
    assert re.search(r"computer|video", answer.split("Source:")[0], re.I), answer
    assert "Source: How does the speaking exam for integration work? — https://" in answer
    titles = [b["title"] for b in replies[0].get("buttons") or []]
    assert titles[:2] == ["Helpful", "Not helpful"], titles


def test_thanks_and_a_question_in_one_message_gets_the_question_answered(stack, sender):
    stack.say(sender, "what is the KNM exam?")
    answer = stack.texts(sender, "ok thanks! and how long does the exam take?").split("Source:")[0]
    assert re.search(r"length of the KNM exam .*can change", answer, re.I), answer
    assert stack.texts(sender, "ok thanks").startswith("You're welcome")


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
    assert counter in counter_named(text), text
    assert url_part in text
    assert f"Source: {COUNTER_GUIDE}" in text


def test_pay_or_loan_differs_between_acts(stack):
    text_2021 = _run_counter_finder(
        stack, new_sender(), '/inform{"need":"pay_or_loan"}', '/inform{"integration_act":"2021"}'
    )
    text_2013 = _run_counter_finder(
        stack, new_sender(), '/inform{"need":"pay_or_loan"}', '/inform{"integration_act":"2013"}'
    )
    assert COUNTER_LINE.search(text_2021).group("act") == "2021"  # type: ignore[union-attr]
    assert COUNTER_LINE.search(text_2013).group("act") == "2013"  # type: ignore[union-attr]
    assert re.search(r"asylum|municipality pays", text_2021) and text_2021 != text_2013


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
    assert counter in counter_named(text), text
    assert f"Source: {COUNTER_GUIDE}" in text


def test_fully_specified_first_message_skips_the_questions(stack, sender):
    text = stack.texts(sender, "I want to sign up for the KNM exam, which counter do I go to?")
    assert counter_named(text) == "Mijn Inburgering", text


def test_an_act_named_in_the_first_message_is_not_asked_again(stack, sender):
    text = stack.texts(sender, "i'm under the 2013 wet, where do i ask for extra time?")
    assert "which integration law" not in text.lower(), text
    assert COUNTER_LINE.search(text).group("act") == "2013", text  # type: ignore[union-attr]


def test_a_general_question_called_ask_counter_is_answered_not_sent_to_the_finder(stack, sender):
    text = stack.texts(sender, "I am 58, when I am 65 do I still need inburgering?")
    assert "What do you want to do?" not in text
    assert not (stack.tracker(sender).get("active_loop") or {}).get("name")


def test_act_unknown_gets_explained_then_year_answers_it(stack, sender):
    stack.say(sender, "/ask_counter")
    stack.say(sender, '/inform{"need":"pip"}')
    help_text = stack.texts(sender, '/inform{"integration_act":"unknown"}')
    assert "1 January 2022" in help_text
    text = stack.texts(sender, "I had to start in 2023")
    assert COUNTER_LINE.search(text).group("act") == "2021" and "municipality" in counter_named(text), text  # type: ignore[union-attr]


def test_a_side_question_in_the_form_is_answered_then_the_finder_offers_to_continue(stack, sender):
    stack.say(sender, "/ask_counter")
    replies = stack.say(sender, "wait, what's a PIP?")
    text = "\n".join(r.get("text") or "" for r in replies)
    assert re.search(r"personal plan|Personal Integration and Participation Plan", text.split("Source:")[0]), text
    assert "Which integration law" not in text  # the question did not pick the task "My PIP"
    offer = replies[-1]
    assert [b["title"] for b in offer.get("buttons") or []] == ["Continue", "No thanks"], replies
    stack.say(sender, "/continue_form")
    final = stack.texts(sender, '/inform{"need":"exam_results"}')
    assert counter_named(final) == "Mijn Inburgering"


@pytest.mark.parametrize("exit_message", ["thank you", "ok thanks", "no", "bye"])
def test_thanks_no_or_bye_end_the_form_without_asking_again(stack, exit_message):
    sender = new_sender()
    stack.say(sender, "/ask_counter")
    stack.say(sender, '/inform{"need":"pay_or_loan"}')
    text = stack.texts(sender, exit_message)
    assert "Which integration law" not in text and "recognise" not in text, text
    tracker = stack.tracker(sender)
    assert not (tracker.get("active_loop") or {}).get("name")
    assert tracker["slots"]["need"] is None


def test_an_age_is_not_an_act(stack, sender):
    stack.say(sender, "/ask_counter")
    stack.say(sender, '/inform{"need":"pay_or_loan"}')
    text = stack.texts(sender, "I am 24")
    assert "24 act" not in text and "not your age" in text, text
    assert stack.tracker(sender)["slots"]["integration_act"] is None


def test_stop_leaves_the_form(stack, sender):
    stack.say(sender, "/ask_counter")
    text = stack.texts(sender, "stop")
    assert "stopped" in text.lower() or "anything else" in text.lower()
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
    assert "personal plan" in text.split("Source:")[0].lower(), text
    assert "Source: What is the Personal Integration and Participation Plan (PIP)?" in text


def test_a_follow_up_uses_the_previous_topic(stack, sender):
    stack.say(sender, "what is the IDW diploma evaluation?")
    text = stack.texts(sender, "is that free?")
    assert re.search(r"\bfree\b", text.split("Source:")[0]), text


def test_personal_data_gets_the_privacy_reply(stack, sender):
    text = stack.texts(sender, "here is my BSN 123456782, can you look up my deadline?")
    assert "can't see your personal file" in text and "Mijn Inburgering" in text, text


@pytest.mark.parametrize(
    "message",
    [
        "I just arrived in the Netherlands, where do I start?",
        "all these rules are so confusing, where should i start?",  # not "start over": the path, not a reset
    ],
)
def test_where_do_i_start_gets_the_path(stack, sender, message):
    text = stack.texts(sender, message)
    for step in ("BSN", "DigiD", "broad intake", "PIP"):
        assert step in text, text


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
