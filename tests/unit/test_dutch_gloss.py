"""The Dutch gloss that lets the English model read a Dutch question (bot/retrieval/dutch.py)."""

from __future__ import annotations

import pytest

from bot.retrieval.dutch import gloss, gloss_word, lexicon


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
