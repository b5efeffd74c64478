"""The Dutch gloss that lets the English model read a Dutch question (bot/retrieval/dutch.py)."""

from __future__ import annotations

import pytest

from bot.retrieval.dutch import gloss, gloss_mixed, gloss_word, lexicon


def test_the_lexicon_loads_from_knowledge() -> None:
    words = lexicon()
    assert len(words) > 500
    assert words["uitslag"] == "result" and words["woordenboek"] == "dictionary"


@pytest.mark.parametrize(
    ("word", "english"),
    [("examenuitslag", "exam result"), ("schrijfexamen", "writing exam"), ("taalles", "language lesson")],
)
def test_a_compound_is_glossed_by_its_parts(word: str, english: str) -> None:
    assert gloss_word(word) == english


def test_unknown_words_and_kept_terms_stay_as_they_are() -> None:
    assert gloss_word("Mensah") == "Mensah"
    assert gloss_word("staatsexamen", keep=frozenset({"staatsexamen"})) == "staatsexamen"


def test_a_question_reads_as_english_without_dropped_gaps() -> None:
    assert gloss("wie beslist over mijn leerroute?") == "who decides about my leerroute?"
    assert gloss("waar zie ik mijn examenuitslag?").startswith("where see I my exam result")
    assert "  " not in gloss("hoeveel kost een examen?")


ENGLISH = frozenset({"which", "does", "the", "ask", "for", "want", "over", "door", "school", "online", "still"})


def test_dutch_words_in_an_english_question_are_glossed() -> None:
    assert gloss_mixed("which taalniveau does the ind ask for", frozenset(), ENGLISH) == "language level"
    assert gloss_mixed("can i still do a taalexamen", frozenset(), ENGLISH) == "language exam"


def test_english_words_glossary_terms_sites_and_function_word_splits_are_not_glossed() -> None:
    assert gloss_mixed("i want to go over the school door", frozenset(), ENGLISH) == ""
    assert gloss_mixed("is the oefenexamen online", frozenset({"oefenexamen"}), ENGLISH) == ""
    assert gloss_mixed("the pages on inburgeren.nl", frozenset(), ENGLISH) == ""
    assert gloss_mixed("the old staatsexamens", frozenset(), ENGLISH) == ""  # not "is exams"


def test_the_verb_after_that_is_glossed_in_english_order():
    from bot.retrieval.dutch import gloss

    assert "do that" in gloss("waar moet ik dat doen?")


def test_comparatives_and_switching_are_glossed() -> None:
    assert gloss("dus de z-route is makkelijker?") == "so the z-route is easier?"
    assert "switch" in gloss("kan ik later nog van route wisselen?")
