"""Fit the answer-sentence ranker's weights on fact questions (`python -m bot fit-ranker FILE.yml ...`).

For every in-scope question the assistant runs as usual; the candidate sentence units it considered are
labelled by whether showing that unit (with its context) would put the question's facts in the reply.
A pairwise logistic regression (each answering unit against the best-scoring units that do not answer)
gives one weight per feature; they are written to settings.RANKER_WEIGHTS with the figures they reached.
The turns of the dev dialogues (`--dialogues`) add examples: questions asked within a topic and first questions
as people put them in a conversation.
Fit on the dev sets only: the hold-out sets measure the result."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from bot import settings
from bot.dialogue.selection import FIXED_WEIGHTS as FIXED
from bot.tools.facts import FactQuestion, judge, load_fact_questions

NEGATIVES_PER_QUESTION = 40  # the best-scoring wrong units: the ones the ranker must beat
POSITIVES_PER_QUESTION = 5


@dataclass
class Example:
    question: FactQuestion
    features: np.ndarray  # one row per candidate unit
    answers: np.ndarray  # bool per row: this unit's reply contains the facts


@contextmanager
def recorded_candidates() -> Iterator[list[tuple[list[int], np.ndarray, bool]]]:
    """While active, every sentence ranking the assistant does is appended as (unit ids, features, whether
    it ranked a follow-up)."""
    from bot.dialogue import selection

    seen: list[tuple[list[int], np.ndarray, bool]] = []
    original = selection.AnswerSelector.candidates

    def recording(self, result, question, qvec, act, topic_guide, message=None):
        found = original(self, result, question, qvec, act, topic_guide, message)
        if found is not None:
            seen.append((*found, topic_guide is not None))
        return found

    selection.AnswerSelector.candidates = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        selection.AnswerSelector.candidates = original  # type: ignore[method-assign]


def _example(question: FactQuestion, sids: list[int], features: np.ndarray) -> Example:
    """Each unit labelled by whether showing it (with its context) puts the question's facts in the reply."""
    from bot.dialogue.assistant import get_assistant

    selector = get_assistant().selector
    answers = np.array([judge(question, [selector.with_context(sid)]).found for sid in sids])
    return Example(question, features, answers)


def collect(questions: list[FactQuestion]) -> list[Example]:
    """Run each question through the assistant and keep the sentence candidates it weighed."""
    from bot.dialogue.assistant import Context, get_assistant

    assistant = get_assistant()
    examples = []
    with recorded_candidates() as seen:
        for question in questions:
            if not question.guides or not question.must_contain:
                continue
            seen.clear()
            assistant.answer_question(question.q, context=Context(act=question.act))
            if seen:  # else answered by a FAQ, a glossary term or an abstention: no sentence ranking involved
                examples.append(_example(question, *seen[-1][:2]))
    return examples


def collect_dialogue_turns(paths: list[Path]) -> tuple[list[Example], list[Example]]:
    """(follow-ups, other questions) of the dev dialogues, replayed offline: each dialogue's questions are asked
    in order with the previous answer as context; a turn whose reply came from ranking sentences gives one
    example, labelled by the turn's expect/reject patterns. (Rasa's routing is not replayed: an approximation
    that is good enough for ranking sentences.)"""
    from bot.dialogue.assistant import Context, get_assistant
    from bot.tools.dialogues import load_dialogues

    assistant = get_assistant()
    follow_ups: list[Example] = []
    others: list[Example] = []
    with recorded_candidates() as seen:
        for path in paths:
            for dialogue in load_dialogues(path):
                context = Context()
                for turn in dialogue.turns:
                    if not turn.say or turn.say.startswith("/") or not turn.expect:
                        context = Context() if turn.say else context
                        continue
                    seen.clear()
                    answer = assistant.answer_question(turn.say, context=context)
                    if answer.answered:
                        context = Context(last_question=answer.question, last_guide=answer.guide)
                    if seen:
                        question = FactQuestion(turn.say, ["?"], list(turn.expect), list(turn.reject))
                        (follow_ups if seen[-1][2] else others).append(_example(question, *seen[-1][:2]))
    return follow_ups, others


def pairs(examples: list[Example], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature differences (answering unit minus non-answering unit), both ways round."""
    rows = []
    for example in examples:
        positives = np.flatnonzero(example.answers)
        negatives = np.flatnonzero(~example.answers)
        if not len(positives) or not len(negatives):
            continue
        scores = example.features @ weights
        negatives = negatives[np.argsort(-scores[negatives])][:NEGATIVES_PER_QUESTION]
        positives = positives[np.argsort(-scores[positives])][:POSITIVES_PER_QUESTION]
        for p in positives:
            rows.extend(example.features[p] - example.features[negatives])
    x = np.array(rows)
    return np.vstack([x, -x]), np.concatenate([np.ones(len(x)), np.zeros(len(x))])


def fit(examples: list[Example], start: np.ndarray, c: float = 1.0) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    from bot.dialogue.selection import FEATURES

    learned = [i for i, name in enumerate(FEATURES) if name not in FIXED]
    x, y = pairs(examples, start)
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=2000)
    model.fit(x[:, learned], y)
    weights = np.zeros(len(FEATURES))
    weights[learned] = model.coef_[0] / abs(model.coef_[0][0])  # the cosine keeps weight 1: scores stay readable
    for name, value in FIXED.items():
        weights[FEATURES.index(name)] = value
    return weights


def top1(examples: list[Example], weights: np.ndarray) -> int:
    """Questions whose best-scoring unit answers them."""
    return sum(bool(e.answers[int(np.argmax(e.features @ weights))]) for e in examples)


def cross_validate(examples: list[Example], start: np.ndarray, c: float, folds: int = 5) -> tuple[int, int]:
    """(best unit answers with weights fitted on the other folds, with the hand-set weights)."""
    order = np.random.default_rng(0).permutation(len(examples))
    fitted = hand = 0
    for part in np.array_split(order, folds):
        held = set(part.tolist())
        train = [e for i, e in enumerate(examples) if i not in held]
        test = [examples[i] for i in part]
        weights = fit(train, fit(train, start, c), c)
        fitted, hand = fitted + top1(test, weights), hand + top1(test, start)
    return fitted, hand


def main(args: argparse.Namespace) -> int:
    from bot.dialogue.selection import DEFAULT_WEIGHTS, FEATURES, ranker_weights

    questions = load_fact_questions(*[Path(f) for f in args.files])
    facts = collect(questions)
    follow_ups, first_questions = collect_dialogue_turns([Path(f) for f in args.dialogues or []])
    examples = facts + follow_ups + first_questions
    start = np.array(DEFAULT_WEIGHTS, dtype=np.float32)
    weights = fit(examples, start, c=args.c)
    weights = fit(examples, weights, c=args.c)  # negatives again, as the fitted ranker orders them
    cv_fitted, cv_hand = cross_validate(examples, start, args.c)
    print(
        f"examples: {len(facts)} fact questions, {len(follow_ups)} dialogue follow-ups,"
        f" {len(first_questions)} other dialogue questions"
    )
    print(f"best unit answers, 5-fold CV: fitted {cv_fitted}, hand-set {cv_hand} of {len(examples)}")
    print(
        f"  all examples:    weights in use now {top1(examples, ranker_weights())}, fitted on all {top1(examples, weights)}"
    )
    print(f"  fact questions:  fitted on all {top1(facts, weights)}, hand-set {top1(facts, start)} of {len(facts)}")
    print(f"  follow-ups:      fitted on all {top1(follow_ups, weights)}, hand-set {top1(follow_ups, start)}")
    print(f"  other questions: fitted on all {top1(first_questions, weights)}, hand-set {top1(first_questions, start)}")
    for name, value in zip(FEATURES, weights):
        print(f"  {name:16s} {value:+.3f}")
    if args.dry_run:
        return 0
    out = Path(args.out or settings.RANKER_WEIGHTS)
    record = {
        "fitted_on": [str(Path(f)) for f in [*args.files, *(args.dialogues or [])]],
        "date": date.today().isoformat(),
        "c": args.c,
        "examples": {
            "fact_questions": len(facts),
            "follow_ups": len(follow_ups),
            "other_dialogue_questions": len(first_questions),
        },
        "best_unit_answers_cv": {"fitted": cv_fitted, "hand_set": cv_hand, "of": len(examples)},
        "weights": {name: round(float(v), 4) for name, v in zip(FEATURES, weights)},
    }
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0
