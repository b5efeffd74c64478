"""Fit the answer-sentence ranker's weights on fact questions (`python -m bot fit-ranker FILE.yml ...`).

For every in-scope question the assistant runs as usual; the candidate sentence units it considered are
labelled by whether showing that unit (with its context) would put the question's facts in the reply.
A pairwise logistic regression (each answering unit against the best-scoring units that do not answer)
gives one weight per feature; they are written to settings.RANKER_WEIGHTS with the figures they reached.
Fit on the dev set only: the hold-out set measures the result."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from bot import settings
from bot.tools.facts import FactQuestion, load_fact_questions

# Rules, not preferences: never learned from the few questions that state an act.
FIXED = {"other_act": -2.0}
NEGATIVES_PER_QUESTION = 40  # the best-scoring wrong units: the ones the ranker must beat
POSITIVES_PER_QUESTION = 5


@dataclass
class Example:
    question: FactQuestion
    features: np.ndarray  # one row per candidate unit
    answers: np.ndarray  # bool per row: this unit's reply contains the facts


def collect(questions: list[FactQuestion]) -> list[Example]:
    """Run each question through the assistant and keep the sentence candidates it weighed."""
    from bot.dialogue import selection
    from bot.dialogue.assistant import Context, get_assistant

    assistant = get_assistant()
    selector = assistant.selector
    seen: list[tuple[list[int], np.ndarray]] = []
    original = selection.AnswerSelector.candidates

    def recording(self, *args, **kwargs):
        found = original(self, *args, **kwargs)
        if found is not None:
            seen.append(found)
        return found

    selection.AnswerSelector.candidates = recording  # type: ignore[method-assign]
    examples = []
    try:
        for question in questions:
            if not question.guides or not question.must_contain:
                continue
            seen.clear()
            assistant.answer_question(question.q, context=Context(act=question.act))
            if not seen:
                continue  # answered by a FAQ, a glossary term or an abstention: no sentence ranking involved
            sids, features = seen[-1]
            answers = np.array([_answers(question, selector._with_context(sid, {})) for sid in sids])
            examples.append(Example(question, features, answers))
    finally:
        selection.AnswerSelector.candidates = original  # type: ignore[method-assign]
    return examples


def _answers(question: FactQuestion, text: str) -> bool:
    found = all(re.search(p, text, re.I | re.M) for p in question.must_contain)
    return found and not any(re.search(p, text, re.I | re.M) for p in question.must_not_contain)


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


def main(args: argparse.Namespace) -> int:
    from bot.dialogue.selection import DEFAULT_WEIGHTS, FEATURES

    questions = load_fact_questions(*[Path(f) for f in args.files])
    examples = collect(questions)
    start = np.array(DEFAULT_WEIGHTS, dtype=np.float32)
    weights = fit(examples, start, c=args.c)
    weights = fit(examples, weights, c=args.c)  # negatives again, as the fitted ranker orders them
    answerable = sum(bool(e.answers.any()) for e in examples)
    before, after = top1(examples, start), top1(examples, weights)
    print(f"questions ranked: {len(examples)} (a unit that answers exists for {answerable})")
    print(f"best unit answers: hand-set weights {before}, fitted {after}")
    for name, value in zip(FEATURES, weights):
        print(f"  {name:16s} {value:+.3f}")
    if args.dry_run:
        return 0
    out = Path(args.out or settings.RANKER_WEIGHTS)
    record = {
        "fitted_on": [str(Path(f)) for f in args.files],
        "date": date.today().isoformat(),
        "c": args.c,
        "best_unit_answers": {"hand_set": before, "fitted": after, "questions": len(examples)},
        "weights": {name: round(float(v), 4) for name, v in zip(FEATURES, weights)},
    }
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return 0
