"""Plain-text helpers (bot.core): no model, no Rasa."""

from __future__ import annotations

import pytest

from bot.core.guard import NOTE_TOO_LONG, check
from bot.core.pii import contains_pii
from bot.core.text import (
    asking_part,
    focus_with_context,
    looks_dutch,
    looks_english,
    points_back,
    question_focus,
    reads_like_follow_up,
    reads_like_question,
    sentences,
    without_acknowledgement,
)
from bot.dialogue.counter_finder import stated_act


def test_a_long_message_keeps_the_question_at_its_end():
    text = "I came here in 2020 with my husband. " * 80 + "Do I have to do the KNM exam?"
    checked = check(text)
    assert checked.note == NOTE_TOO_LONG
    assert checked.text.endswith("Do I have to do the KNM exam?")
    assert len(checked.text) <= 2000


def test_asking_part_prefers_the_sentence_with_the_question_mark():
    text = "Intro sentence one here. How long do I have? Thanks a lot for your help today."
    assert "How long do I have?" in asking_part(text, 60)


def test_question_focus_only_for_several_sentences():
    assert question_focus("what is the z route") is None
    assert question_focus("I am new here and confused. What is the Z-route?") == "What is the Z-route?"


@pytest.mark.parametrize(
    "text", ["wat is het verschil tussen de onderwijsroute en de B1-route?", "hoe lang heb ik om in te burgeren?"]
)
def test_dutch_questions_are_recognised(text):
    assert looks_dutch(text)


@pytest.mark.parametrize("text", ["what is the brede intake?", "where do i book my examen at the gemeente"])
def test_english_with_dutch_words_is_english(text):
    assert not looks_dutch(text)


@pytest.mark.parametrize(
    "text",
    [
        "is that free?",
        "and where do I sign up for it?",
        "what if i don't make it in time?",
        "multiple choice?",
        "ok. and what must i show at the desk when i come",
        "thanks! so how long do i have",
    ],
)
def test_follow_ups(text):
    assert reads_like_follow_up(text)


@pytest.mark.parametrize(
    "text", ["what is the difference between the B1 route and the education route for young people", "hello"]
)
def test_not_follow_ups(text):
    assert not reads_like_follow_up(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("is there writing in that exam?", True),
        ("do i need the MAP in this route", True),
        ("what does that mean", False),
        ("is the writing exam on paper?", False),
    ],
)
def test_points_back(text, expected):
    assert points_back(text) is expected


def test_reads_like_question_looks_at_every_clause():
    assert reads_like_question("sorry wrong keyboard. what is the Z route")
    assert not reads_like_question("ok thanks")


@pytest.mark.parametrize(
    "text, act",
    [
        ("i'm under the 2013 wet, where do i ask for extra time?", "2013"),
        ("the new law", "2021"),
        ("Wet inburgering 2021", "2021"),
        ("I am 24", None),
        ("I arrived in 2019", None),
        ("2013 act or 2021 act?", None),
        ("my letter says my obligation started in november 2021", "2013"),  # the start year decides the act
        ("my integration period started on 3 march 2023", "2021"),
        ("my obligation began before 2013, in 2011", None),
        ("I started in 2021", None),  # started what? not said
        ("and the time i have left, where do i see that? my plicht started in 2022", "2021"),
        ("ik ben 44 en mijn inburgeringsplicht begon in 2018", "2013"),
        ("my inburgering exam is from 2023", None),  # the date of an exam, not of the obligation
    ],
)
def test_stated_act_needs_the_act_named(text, act):
    assert stated_act(text) == act


def test_contains_pii_also_for_a_named_number_with_a_wrong_check_digit():
    assert contains_pii("here is my BSN 123456789, can you look up my deadline")
    assert contains_pii("mail me at someone@example.com")
    assert not contains_pii("I have 3 years to integrate")


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("how do i exchange my driving licence", True),
        ("what is the minimum wage per hour", True),
        ("waar zie ik mijn examenuitslag?", False),
        ("staatsexamen programma 2", False),
    ],
)
def test_looks_english(text: str, english: bool) -> None:
    assert looks_english(text) is english


@pytest.mark.parametrize(
    "text, read",
    [
        ("ok thanks. is it free?", "is it free?"),
        ("thank you! and how long does the exam take", "and how long does the exam take"),
        ("great, where do i do the exam?", "where do i do the exam?"),
        ("ok bedankt 👍 waar kan ik oefenen?", "waar kan ik oefenen?"),
        ("k. when is the intake", "when is the intake"),
        # nothing asked after it, or no break after the first words: the message as it is
        ("ok thanks", "ok thanks"),
        ("thanks, that helps a lot", "thanks, that helps a lot"),
        ("ok bye", "ok bye"),
        ("thanks, and bye", "thanks, and bye"),
        ("good morning, what is the knm exam?", "good morning, what is the knm exam?"),
        ("is it free?", "is it free?"),
        ("", ""),
    ],
)
def test_an_acknowledgement_before_a_question_is_not_what_nlu_reads(text: str, read: str) -> None:
    assert without_acknowledgement(text) == read


def test_a_long_message_whose_asking_sentence_leans_back_is_a_follow_up():
    assert reads_like_follow_up(
        "my dad lives with us, he is already past the pension age. does he have to go to that too?"
    )
    assert not reads_like_follow_up(
        "i live with my children and i am already past the pension age. do i have to do the civic integration exams?"
    )


@pytest.mark.parametrize("text", ["en als hij na 10 weken nog niet komt?", "maar als ik ziek ben?", "wat als ik zak?"])
def test_dutch_follow_ups(text):
    assert reads_like_follow_up(text)


@pytest.mark.parametrize(
    "text, back",
    [
        ("is there a duo exam at the end of it?", True),
        ("is there writing in that exam?", True),
        ("what do they do with it?", True),
        ("is there a duo exam for the map?", False),
        ("in that case, who pays for the course?", False),
    ],
)
def test_points_back_by_a_demonstrative_or_a_pronoun_after_a_preposition(text, back):
    assert points_back(text) == back


def test_a_short_asking_sentence_keeps_the_sentence_before_it():
    from bot.core.text import focus_with_context

    text = "i came in 2023 with my wife and kids. i got the brief from duo but no start date. is something wrong?"
    assert focus_with_context(text) == "i got the brief from duo but no start date. is something wrong?"
    assert focus_with_context("we live in utrecht since may. how long does the knm exam take?") == (
        "how long does the knm exam take?"
    )
    assert focus_with_context("what is the z-route?") is None


@pytest.mark.parametrize(
    ("text", "follows"),
    [
        ("hoeveel kost dat?", True),
        ("waar moet ik dat doen?", True),
        ("kan ik dat online doen?", True),
        ("ik denk dat ik te laat ben met mijn examen, wat nu?", False),  # "dat" as a conjunction
        ("wat is de brede intake?", False),
    ],
)
def test_a_dutch_message_that_points_back_is_a_follow_up(text, follows):
    from bot.core.text import reads_like_follow_up

    assert reads_like_follow_up(text) is follows


def test_guide_sentences_split_only_before_a_new_sentence_but_a_message_splits_at_every_end():
    text = "Bring an ID, e.g. a passport. The exam is on a computer."
    assert sentences(text) == ["Bring an ID, e.g. a passport.", "The exam is on a computer."]
    message = "my 3 years started in 2023. what happens if im not ready in time?"
    assert focus_with_context(message, whole_sentences=True) == "what happens if im not ready in time?"
