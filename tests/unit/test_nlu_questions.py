"""The generated `ask_question` examples: question phrasings only, never a duplicate of another intent's example."""

from pathlib import Path

import yaml

from bot.tools.nlu_questions import _other_examples, reads_like_question, render

NLU_DIR = Path(__file__).resolve().parents[2] / "data" / "nlu"


def test_question_detection():
    assert reads_like_question("How does the listening exam work?")
    assert reads_like_question("Can I use a dictionary in the writing exam")
    assert not reads_like_question("The parts of DUO's integration exam")
    assert not reads_like_question("Step 2: apply for DigiD and look at Mijn Inburgering")


def test_generated_examples_are_questions_and_unique():
    out = NLU_DIR / "questions.yml"
    data = yaml.safe_load(render(out))
    examples = [line[2:] for line in data["nlu"][0]["examples"].splitlines()]
    assert len(examples) >= 100
    assert all(reads_like_question(e) for e in examples)
    assert len({e.lower() for e in examples}) == len(examples)
    assert not {e.lower() for e in examples} & _other_examples(NLU_DIR, out)


def test_committed_file_is_up_to_date():
    out = NLU_DIR / "questions.yml"
    assert out.read_text() == render(out), "run `python -m bot.tools.nlu_questions` (make does it)"
