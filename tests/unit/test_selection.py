"""Pure parts of answer selection (no model, no index)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from bot import settings
from bot.dialogue.selection import (
    DEFAULT_WEIGHTS,
    FEATURES,
    _share,
    _verdict_only,
    everyday_synonyms,
    question_kind,
    ranker_weights,
    situation_rules,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("what is the b1 route exactly", "thing"),
        ("Where can you tell if you are really on the B1 route?", "place"),
        ("how does the listening exam work", "manner"),
        ("At which level is the listening exam?", "thing"),
        ("how long do i have", "time"),
        ("and when is that?", "time"),
        ("how much does the staatsexamen cost", "amount"),
        ("hoeveel kost het?", "amount"),
        ("Is the exam free?", "yes_no"),
        ("Can I bring a dictionary?", "yes_no"),
        ("which website is for the exam abroad", "place"),
        ("how do i know which law i'm under?", "thing"),
        ("how do i book the exam?", "manner"),
        ("thanks", None),
    ],
)
def test_question_kind_is_read_from_the_first_question_word(question, kind):
    assert question_kind(question) == kind


def test_ranker_weights_come_from_the_fitted_file(tmp_path, monkeypatch):
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps({"weights": {name: float(i) for i, name in enumerate(FEATURES)}}))
    monkeypatch.setattr(settings, "RANKER_WEIGHTS", path)
    assert list(ranker_weights()) == [float(i) for i in range(len(FEATURES))]


@pytest.mark.parametrize("content", [None, "not json", json.dumps({"weights": {"cosine": 1.0}})])
def test_ranker_falls_back_to_the_hand_set_weights(tmp_path, monkeypatch, content):
    path = tmp_path / "ranker.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.setattr(settings, "RANKER_WEIGHTS", path)
    assert np.allclose(ranker_weights(), DEFAULT_WEIGHTS)


def test_the_committed_weights_name_every_feature():
    data = json.loads(settings.RANKER_WEIGHTS.read_text())
    assert set(data["weights"]) == set(FEATURES)
    assert data["weights"]["other_act"] < 0 and data["weights"]["cosine"] == 1.0


def test_the_fit_learns_the_feature_that_separates_answering_units():
    """Synthetic candidates: the unit that answers has the higher 'cues' value, and cosine alone would
    pick the wrong one; the fitted weights pick the right one in every example."""
    from bot.tools.facts import FactQuestion
    from bot.tools.fit_ranker import Example, cross_validate, fit, top1

    rng = np.random.default_rng(1)
    cues = FEATURES.index("cues")
    examples = []
    for _ in range(40):
        features = rng.uniform(0, 1, (6, len(FEATURES)))
        features[:, cues] = 0.0
        features[0, 0], features[1, 0] = 0.9, 0.5  # cosine prefers unit 0 ...
        features[1, cues] = 2.0  # ... unit 1 has the kind of fact asked for
        answers = np.zeros(6, dtype=bool)
        answers[1] = True
        examples.append(Example(FactQuestion("q", ["g"], ["x"]), features, answers))
    start = np.zeros(len(FEATURES))
    start[0] = 1.0
    weights = fit(examples, start)
    assert top1(examples, weights) == 40 and top1(examples, start) < 40
    assert weights[FEATURES.index("other_act")] == -2.0  # a rule, not learned
    fitted, hand = cross_validate(examples, start, c=0.3)
    assert fitted == 40 and hand < 40


def test_everyday_synonyms_link_every_word_of_a_group_both_ways(tmp_path, monkeypatch):
    (tmp_path / "english_synonyms.yml").write_text("groups:\n  - [book, register, enrol]\n  - [cost, fee]\n")
    monkeypatch.setattr(settings, "KNOWLEDGE_DIR", tmp_path)
    synonyms = everyday_synonyms(lambda word: [word.lower()])
    assert synonyms["book"] == {"register", "enrol"} and synonyms["register"] == {"book", "enrol"}
    assert synonyms["fee"] == {"cost"} and "exam" not in synonyms


def test_the_shipped_synonym_groups_are_single_words():
    synonyms = everyday_synonyms(lambda word: word.split())
    assert synonyms and all(" " not in other for others in synonyms.values() for other in others)


def test_a_word_found_through_a_synonym_counts_at_the_synonym_weight(monkeypatch):
    weights = {"book": 2.0, "knm": 1.0, "exam": 1.0}
    monkeypatch.setattr(settings, "EVERYDAY_SYNONYM_WEIGHT", 0.5)
    sentence = frozenset({"register", "knm", "exam"})
    assert _share(weights, sentence, set(), 4.0) == pytest.approx(0.5)
    assert _share(weights, sentence, {"book"}, 4.0) == pytest.approx(0.75)  # "register" stands in for "book"
    assert _share(weights, sentence, set(), 0.0) == 0.0


@pytest.mark.parametrize(
    ("sentence", "verdict"),
    [
        ("No.", True),
        ("Partly.", True),
        ("Not on your own.", True),
        ("Not automatically.", True),
        ("Not everyone reaches level B1 within the integration period.", False),
        ("Not the municipality but DUO decides.", False),
        ("No, the MAP does not apply to the education route.", False),
    ],
)
def test_a_faq_s_short_verdict_is_told_apart_from_a_sentence_that_starts_with_not(sentence, verdict):
    assert _verdict_only(sentence) is verdict


def test_a_sentence_about_a_term_mixed_up_with_the_asked_one_is_marked():
    """other_term: KNM is what a question about KNS gets mixed up with; a sentence that names both, or the asked
    term, is not marked; a sentence that names neither is read under its heading or guide title."""
    from bot.dialogue.assistant import get_assistant

    selector = get_assistant().selector
    assert selector.confusable["KNS"] == {"KNM"} and "KNS" in selector.confusable["KNM"]
    asked = frozenset({"KNS"})
    about = {sid: selector._about_terms(sid) for sid in range(len(selector.sentences))}
    knm_only = next(sid for sid, terms in about.items() if terms == {"KNM"})
    both = next(sid for sid, terms in about.items() if {"KNM", "KNS"} <= terms)
    assert selector._other_term(knm_only, asked)
    assert not selector._other_term(both, asked)
    assert not selector._other_term(knm_only, frozenset({"KNM", "KNS"}))  # "is KNM the same as KNS?"


def test_a_two_sentence_unit_with_a_sentence_under_the_other_act_is_not_shown_to_the_user():
    """ "Under the 2021 act, your PIP ... Under the 2013 act, DUO first sends a 'Vooraankondiging' ...": a 2021 user
    gets neither the pair nor its 2013 half; a sentence that says what does not exist under the user's act stays."""
    from bot.dialogue.assistant import Context, get_assistant

    assistant = get_assistant()
    reply = assistant.answer_question("so how do i stay away from the boete?", context=Context(act="2021")).replies[-1]
    assert "boete" in reply.text.lower() or "fine" in reply.text.lower()
    assert "Vooraankondiging" not in reply.text and "2013" not in reply.text
    reply = assistant.answer_question("is there a brede intake under the 2013 act?").replies[-1]
    assert re.search(r"does not exist|belong to the Civic Integration Act 2021|only exist", reply.text)


def test_which_act_applies_is_not_explained_again_when_the_act_is_known():
    from bot.dialogue.assistant import Context, get_assistant

    assistant = get_assistant()
    question = "from when does it apply to me?"
    known = assistant.answer_question(question, context=Context(act="2013")).replies[-1].text
    assert not re.search(r"which (integration )?(law|act) applies", known, re.I)
    asked = assistant.answer_question("which act applies to me, 2013 or 2021?", context=Context(act="2013"))
    assert re.search(r"2022", asked.replies[-1].text)


def test_when_even_the_best_sentence_is_about_a_mixed_up_term_the_answer_is_honest():
    """No guide gives the DUO integration exam's fee; the State Exam's fee is not its answer."""
    from bot.dialogue.assistant import get_assistant

    answer = get_assistant().answer_question("how much does the inburgering exam cost")
    assert not answer.answered
    assert "State Exam" not in answer.replies[-1].text


@pytest.mark.parametrize(
    ("question", "situations"),
    [
        ("my son is 15, does he have to integrate?", 1),
        ("my father is 70, does he need inburgering?", 1),
        ("i am polish, am i obliged to do inburgering?", 1),
        ("my brother only comes to study for 2 years, does he have to do it?", 1),
        ("my german wife and i: where do we book the exam?", 0),  # not a question about the obligation
        ("i have to finish in 3 years, is that right?", 0),  # "3 years" is not an age
        ("the fee is 16 euro, do i have to pay it?", 0),
        ("i went to school here from age 6 until 15. must i do inburgering again?", 1),
        ("im doing my master in groningen, do i also have to do this?", 1),
    ],
)
def test_a_situation_counts_only_in_a_question_about_the_obligation(question, situations):
    assert len(situation_rules(question)) == situations
