"""Fact-level scorer: does the reply to a question contain the fact that answers it?

A fact counts only in the answer text: citation lines ("Source: ...", "Official page: ...") and button
titles are removed first (the counter guide's title alone names DUO, Mijn Inburgering and the municipality).
Runs offline against the assistant object, or over REST against a running Rasa (`--rest URL`)."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

_CITATION = re.compile(r"^\s*(Source|Official page|Sources?):", re.I)


@dataclass(frozen=True)
class FactQuestion:
    q: str
    guides: Optional[list[str]]  # None: out of scope, the assistant should not answer
    must_contain: list[str]
    must_not_contain: list[str] = field(default_factory=list)
    act: Optional[str] = None


@dataclass
class FactResult:
    question: FactQuestion
    answer: str
    found: bool
    wrong_polarity: bool


@dataclass
class FactScore:
    results: list[FactResult]

    @property
    def in_scope(self) -> list[FactResult]:
        return [r for r in self.results if r.question.guides is not None and r.question.must_contain]

    @property
    def out_of_scope(self) -> list[FactResult]:
        return [r for r in self.results if r.question.guides is None]

    def line(self) -> str:
        n = len(self.in_scope)
        found = sum(r.found for r in self.in_scope)
        wrong = sum(r.wrong_polarity for r in self.in_scope)
        return f"facts_in_answer={found}/{n} wrong_polarity={wrong}/{n}"

    def ratio(self) -> float:
        return sum(r.found for r in self.in_scope) / max(len(self.in_scope), 1)

    def abstain_line(self) -> str:
        oos = self.out_of_scope
        return f"out_of_scope_declined={sum(r.found for r in oos)}/{len(oos)}"


def load_fact_questions(*paths: Path) -> list[FactQuestion]:
    out: list[FactQuestion] = []
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for item in data["questions"]:
            guides = item.get("guide")
            act = item.get("act")
            out.append(
                FactQuestion(
                    str(item["q"]),
                    [guides] if isinstance(guides, str) else guides,
                    list(item.get("must_contain") or []),
                    list(item.get("must_not_contain") or []),
                    str(act) if act else None,
                )
            )
    return out


def answer_text(messages: list[str]) -> str:
    """The reply as the scorer judges it: every message's text without citation lines."""
    lines = [line for text in messages for line in (text or "").splitlines() if not _CITATION.match(line)]
    return "\n".join(lines).strip()


DECLINED = re.compile(r"don't know|do not know|only help with|can only help|could not find|answer in English", re.I)


def judge(question: FactQuestion, messages: list[str]) -> FactResult:
    text = answer_text(messages)
    if question.guides is None:
        return FactResult(question, text, bool(DECLINED.search(text)), False)
    found = all(re.search(p, text, re.I | re.M) for p in question.must_contain)
    wrong = any(re.search(p, text, re.I | re.M) for p in question.must_not_contain)
    return FactResult(question, text, found and not wrong, wrong)


def score(questions: list[FactQuestion], ask: Callable[[FactQuestion], list[str]]) -> FactScore:
    return FactScore([judge(q, ask(q)) for q in questions])


def offline_asker() -> Callable[[FactQuestion], list[str]]:
    from bot.dialogue.assistant import Context, get_assistant

    assistant = get_assistant()

    def ask(question: FactQuestion) -> list[str]:
        answer = assistant.answer_question(question.q, context=Context(act=question.act))
        return [r.text for r in answer.replies]

    return ask


def rest_asker(url: str) -> Callable[[FactQuestion], list[str]]:
    """One new conversation per question against a running Rasa REST channel."""

    def ask(question: FactQuestion) -> list[str]:
        sender = f"facts-{uuid.uuid4().hex[:10]}"
        body = json.dumps({"sender": sender, "message": question.q}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return [m.get("text", "") for m in json.loads(response.read() or b"[]")]

    return ask
