"""Counter finder logic (free text -> need / act) and the feedback report, without Rasa."""

from __future__ import annotations

import json
import re

import pytest

from bot.dialogue.assistant import Context
from bot.dialogue.counter_finder import ACT_2013, ACT_2021, ACT_BEFORE_2013, ACT_UNKNOWN, parse_act
from bot.tools.feedback import collect, render


@pytest.mark.parametrize(
    "text, act",
    [
        ("2021", ACT_2021),
        ("the 2021 act", ACT_2021),
        ("wet inburgering 2013", ACT_2013),
        ("new law", ACT_2021),
        ("old rules", ACT_2013),
        ("I had to start in 2023", ACT_2021),
        ("I started in 2021", ACT_2013),
        ("since 2016", ACT_2013),
        ("we came in 2010", ACT_BEFORE_2013),
        ("I don't know", ACT_UNKNOWN),
        ("no idea", ACT_UNKNOWN),
        ("no idea, my inburgeringsplicht started in 2016", ACT_2013),
        ("not sure, 2016 or 2023", ACT_UNKNOWN),
        ("book my exam", None),
        ("", None),
    ],
)
def test_parse_act(text, act):
    assert parse_act(text) == act


@pytest.mark.parametrize(
    "text, need",
    [
        ("I want to book my KNM exam", "book_exam"),
        ("where can i see my exam results", "exam_results"),
        ("my diploma from syria, how to get it recognised", "diploma_evaluation"),
        ("i want to become dutch, naturalisatie", "naturalisation"),
        ("who makes my PIP", "pip"),
        ("residence permit", "residence_permit"),
        # a glossary term in an English request is also read with its English meaning
        ("where do i ask for ontheffing because of my illness", "exemption"),
    ],
)
def test_free_text_maps_to_the_counters_table(assistant, text, need):
    assert assistant.need_from(text).id == need


@pytest.mark.parametrize(
    "text, need",
    [
        # the request's own words name no task: "contact" is not the contact person, the offices offered are none
        ("hi, which office should i contact for my inburgering?", None),
        ("which counter do i need?", None),
        (
            "new law. i was in hospital a long time. who do i ask for more time, my contact person at the gemeente"
            " or duo?",
            "extension",
        ),
        # ... but the verb of "where do I book" is the task, and in a long message the asking sentence comes first
        ("where do I book my exam?", "book_exam"),
        (
            "so many offices!! duo, mijn inburgering, gemeente, ind. who sends me the brief that i must inburgeren?",
            "duo_letter",
        ),
        ("and for my permanent verblijfsvergunning who i ask?", "residence_permit"),
        ("i was in hospital for months. who do i ask for more time, my contact person at the gemeente?", "extension"),
        ("i need more time. where do i go?", "extension"),
        ("where do i ask for extra time for my inburgering?", "extension"),
        ("where can i apply for an exemption for my inburgering", "exemption"),
    ],
)
def test_a_finder_request_is_matched_on_the_task_it_names(assistant, text, need):
    match = assistant.match_need(text)
    assert (match.need.id if match else None) == need


@pytest.mark.parametrize(
    "text, early",
    [
        ("my letter says my obligation started in 2019", False),
        ("i started in 2011", True),
        ("started before 2013", True),
        ("befor 2013", True),
    ],
)
def test_a_start_year_from_2013_on_is_not_the_row_for_older_rules(assistant, text, early):
    match = assistant.needs.match(text)
    assert (match is not None and match.need.id == "started_before_2013") == early


def test_nonsense_is_not_a_need(assistant):
    assert assistant.need_from("blorp zzzz qqq") is None
    assert assistant.interpret_need_reply("xkcd wubba lubba", "nlu_fallback") == ("nonsense", None)


def test_a_question_during_the_finder_is_a_digression(assistant):
    kind, _ = assistant.interpret_need_reply("wait, how does the writing exam work?", "ask_question")
    assert kind == "digression"


def test_a_statement_of_the_task_answers_what_do_you_want_to_do(assistant):
    """NLU calls it a question, but it reads as the task: the finder takes it and asks the act next."""
    kind, need = assistant.interpret_need_reply(
        "i was sick for a long time and now i need more time for my inburgering", "ask_question"
    )
    assert kind == "need" and need is not None and need.id == "extension"


@pytest.mark.parametrize(
    "text, need",
    [
        ("and for questions about my route, who do i talk to? i'm on the 2021 act", "contact_person"),
        ("I fall under the old law, where do I book my exam?", "book_exam"),
    ],
)
def test_the_clause_that_states_the_act_does_not_hide_the_task(assistant, text, need):
    match = assistant.needs.match(text)
    assert match is not None and match.need.id == need


@pytest.mark.parametrize("text", ["onthefing aanvragen waar?", "waar kan ik een ontheffing aanvragen"])
def test_a_dutch_where_do_i_apply_starts_the_counter_finder(assistant, text):
    assert assistant.starts_counter_finder(text, "ask_counter")


def test_every_need_answers_with_counter_url_and_citation(assistant, kb):
    for need in kb.counters.needs:
        for act in ("2021", "2013"):
            reply = assistant.counter_answer(need.id, act)
            assert "go to" in reply.text and "https://" in reply.text
            assert f"Source: {kb.counters.guide} — https://" in reply.text


def _rows(events):
    return [(sender, json.dumps({"event": "slot", "name": name, "value": value})) for sender, name, value in events]


def test_feedback_report_ranks_the_worst_questions_first():
    rows = _rows(
        [
            ("a", "last_question", "what is the z route"),
            ("a", "last_guide", "Z guide"),
            ("a", "feedback", "not_helpful"),
            ("b", "last_question", "What is the  Z route"),
            ("b", "feedback", "not_helpful"),
            ("c", "last_question", "how do I book"),
            ("c", "feedback", "helpful"),
            ("d", "feedback", "not_helpful"),  # no question known: ignored
        ]
    )
    ratings = collect(rows)
    assert [(r.not_helpful, r.helpful) for r in ratings] == [(2, 0), (0, 1)]
    report = render(ratings, 10)
    assert report.splitlines()[1].split()[:2] == ["2", "0"] and "3 ratings on 2 questions" in report


@pytest.mark.parametrize(
    "message",
    ["what is the best pizza place in utrecht?", "how do i open a bank account", "who won the world cup"],
)
def test_out_of_scope_stays_out_of_scope(assistant, message):
    assert assistant.answer_out_of_scope(message) is None


def test_strong_knowledge_match_overrules_an_out_of_scope_intent(assistant):
    message = (
        "my phone and mail are in my file, but i still have no letter from DUO. "
        "When will DUO send me the letter that I must integrate?"
    )
    answer = assistant.answer_out_of_scope(message)
    assert answer is not None and answer.answered
    assert "Source:" in answer.replies[-1].text and "https://" in answer.replies[-1].text


PIP_CONTEXT = Context(
    last_question="what is PIP?", last_guide="What is the Personal Integration and Participation Plan (PIP)?"
)


def test_an_out_of_scope_follow_up_is_answered_in_the_previous_topic(assistant):
    answer = assistant.answer_out_of_scope(
        "i'm moving to rotterdam next month, what happens with it?", None, PIP_CONTEXT
    )
    assert answer is not None and answer.answered
    assert "new PIP" in answer.replies[0].text.split("Source:")[0]


@pytest.mark.parametrize(
    "message", ["what's the weather like there?", "what about my cat?", "can i buy a car with it?"]
)
def test_an_out_of_scope_follow_up_about_other_things_stays_out_of_scope(assistant, message):
    assert assistant.answer_out_of_scope(message, None, PIP_CONTEXT) is None


def test_out_of_scope_keeps_the_guards_reply_for_emoji_only(assistant):
    answer = assistant.answer_out_of_scope("😀😀🎉")
    assert answer is not None and not answer.answered and answer.result is None


INTAKE_CONTEXT = Context(last_question="can i fail the test?", last_guide="What is the broad intake for integration?")


def test_a_follow_up_is_searched_with_the_previous_guide_as_its_topic(assistant):
    answer = assistant.answer_question("i have work that day, do i really have to go?", None, INTAKE_CONTEXT)
    text = answer.replies[0].text.split("Source:")[0]
    assert answer.answered and answer.with_topic
    # the intake guide ("not optional") or the first-months checklist's intake paragraph ("is required")
    assert re.search(r"not optional|is required", text) and "intake" in text, text


def test_the_asking_sentence_of_a_longer_message_decides_whether_it_follows_up(assistant):
    idw = Context(
        "now i want IDW to check my bachelor from egypt for job applications. is it free for me?",
        "What is a smart first checklist for your first months?",
    )
    query, _ = assistant._query_with_topic("my brother received his DUO letter last month. is it free for him?", idw)
    assert "IDW" in query  # his letter is his situation; "is it free" is the evaluation
    exam = Context("how do i register for the staatsexamen?", "Which language exams are part of the B1 route?")
    text = "sorry i meant the normal inburgering exam, not the staatsexamen. where do i book that?"
    assert assistant._query_with_topic(text, exam) == (text, None)  # a correction names the new topic


def test_the_counter_guides_title_is_no_topic(assistant):
    counter_guide = assistant.kb.counters.guide
    assert assistant.topic(Context("Book an exam", counter_guide)) == "Book an exam"
    assert assistant.topic(Context("is it free?", "What is the KNM integration exam?")).endswith(
        "KNM integration exam?"
    )


def test_a_stated_act_is_not_a_topic_of_its_own(assistant):
    assert not assistant.names_own_topic("i'm under the 2013 act, how long do i have for it")
    assert assistant.names_own_topic("and about my residence permit?")
    assert not assistant.names_own_topic("is it an exam?")  # near a task's words, not that task


def test_a_follow_up_counter_request_takes_the_task_from_the_message_and_the_previous_question(assistant):
    context = Context(
        "do i need to pass 1 before i do 2? (whats the difference between staatsexamen programma 1 and 2)"
    )
    assert assistant.need_for_request("where do i register for it", context) == "state_exam_registration"


def test_an_obligation_start_year_is_read_as_the_act_and_said_back(assistant):
    answer = assistant.answer_question("my letter says my obligation started in november 2021")
    assert answer.act == "2013"
    assert answer.replies[0].text.startswith("An obligation that started between 1 January 2013 and 31 December 2021")


@pytest.mark.parametrize(
    "text, step_starts",
    [
        ("ok and then after the pip?", "After the PIP, DUO sends a second letter"),
        ("what comes after the brede intake", "With the municipality you make your personal plan"),
        ("and after the intake, what's next", "With the municipality you make your personal plan"),
    ],
)
def test_what_comes_after_a_step_of_the_path(assistant, text, step_starts):
    answer = assistant.answer_question(text)
    reply = answer.replies[0]
    assert answer.answered and step_starts in reply.text and "https://" in reply.text
    assert answer.question.startswith(step_starts)  # the step is the topic of a follow-up ("how long after that")


@pytest.mark.parametrize(
    "text, act",
    [
        ("can i share the exam questions with my friend after my exam?", None),  # not a what-next question
        ("and after the intake call, what do i bring?", None),
        ("ok and then after the pip?", "2013"),  # the 2013 act's path has no PIP
        ("after the exam, what's next?", None),  # many terms end in "exam": which one is not clear
    ],
)
def test_other_questions_with_after_are_not_steps(assistant, text, act):
    assert assistant.step_after(text, act) is None


@pytest.mark.parametrize(
    "previous, text, resolved",
    [
        ("is inburgeren.nl in english?", "and mijn inburgering?", "is mijn inburgering in english?"),
        ("is the knm exam on a computer?", "what about the writing exam?", "is the writing exam on a computer?"),
        ("how long do i have for the pvt?", "and for ona?", "how long do i have for the ona?"),
        ("where do i book the knm exam?", "and for my wife?", None),  # no glossary term: not another thing
        ("how long do i have for the pvt?", "and for ona and knm?", None),  # two things: not one question
        ("what is the pvt?", "and the pvt?", None),  # the same thing
        ("how much does the staatsexamen cost?", "and if i fail knm?", None),  # a new question, not a thing
    ],
)
def test_and_x_asks_the_previous_question_about_x(assistant, previous, text, resolved):
    from bot.dialogue.assistant import Context

    assert assistant.resolve_ellipsis(text, Context(last_question=previous)) == resolved


def test_and_x_is_answered_as_the_previous_question_about_x(assistant):
    from bot.dialogue.assistant import Context

    answer = assistant.explain(
        None, "and mijn inburgering?", context=Context(last_question="is inburgeren.nl in english?")
    )
    assert answer.question == "is mijn inburgering in english?"
    assert "only in Dutch" in answer.replies[0].text.split("Source:")[0]


@pytest.mark.parametrize(
    "text, intent, kind",
    [
        ("hmm no, forget that. i want ontheffing, i have epilepsy and memory problems", "ask_question", "need"),
        ("my wife is dutch", "inform", "unclear"),  # about them, not another task
        ("is that the same as the PIP?", "ask_question", "digression"),  # a question is answered first
        ("no idea, my inburgeringsplicht started in 2016", "inform", "act"),
    ],
)
def test_act_reply_can_change_the_task(assistant, text, intent, kind):
    assert assistant.interpret_act_reply(text, intent)[0] == kind
