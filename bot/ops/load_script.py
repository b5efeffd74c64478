"""The scripted conversations of the load tests (bot/ops/locustfile.py): what each simulated user says and the
text each reply must contain. Plain data and the standard library: the Locust process imports it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional

# (message, text every reply set must contain)
QUESTIONS = [
    ("what is the z-route?", "What is the Z-route and who is it for?"),
    ("how does the speaking exam work?", "How does the speaking exam for integration work?"),
    ("what is the education route?", "What is the education route for integration?"),
    ("what happens at the broad intake?", "What is the broad intake for integration?"),
    ("how does the writing exam work?", "How does the writing exam for integration work?"),
    ("what are pvt and map?", "What are PVT and MAP during integration?"),
]
NEEDS = [
    ("book_exam", "Mijn Inburgering"),
    ("residence_permit", "IND"),
    ("diploma_evaluation", "IDW"),
    ("exam_results", "Mijn Inburgering"),
    ("naturalisation", "IND"),
]
# Greetings any Rasa bot answers from its domain (ours, and `rasa init`'s starter bot), no custom action.
PLAIN = ["hello", "hi", "hey", "good morning"]


@dataclass
class Turn:
    message: str
    expect: Optional[str]  # text the replies must contain (None: any non-empty reply)


def script(user_index: int, turns: int) -> list[Turn]:
    """A deterministic conversation for one user: mixes questions and counter-finder flows."""
    rng = random.Random(user_index)
    out: list[Turn] = [Turn("hello", "Wegwijzer")]
    while len(out) < turns:
        if rng.random() < 0.5:
            question, guide = rng.choice(QUESTIONS)
            out.append(Turn(question, f"Source: {guide}"))
            if len(out) < turns:
                out.append(Turn(rng.choice(["/feedback_positive", "/feedback_negative"]), "feedback"))
        else:
            need, counter = rng.choice(NEEDS)
            out.append(Turn("/ask_counter", "What do you want to do"))
            if len(out) < turns:
                out.append(Turn(f'/inform{{"need":"{need}"}}', counter))
    return out[:turns]


def plain_script(user_index: int, turns: int) -> list[Turn]:
    """Plain turns only (greetings: NLU, policies, a domain response): the load `make bench` sends to both our
    bot and a stock `rasa init` bot."""
    return [Turn(PLAIN[(user_index + i) % len(PLAIN)], None) for i in range(turns)]
