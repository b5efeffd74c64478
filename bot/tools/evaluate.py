"""Guide-level retrieval evaluation on a YAML question file (`questions: [{q, guide: [..] or null}]`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from bot.retrieval.search import Mode, Retriever


@dataclass(frozen=True)
class Question:
    q: str
    guides: Optional[list[str]]  # None = out of scope


@dataclass
class Metrics:
    recall_at_1: float
    recall_at_3: float
    mrr: float
    abstain_accuracy: float
    n: int
    misses: list[tuple[str, list[str], list[str], bool]]

    def line(self) -> str:
        return (
            f"recall@1={self.recall_at_1:.3f} recall@3={self.recall_at_3:.3f} mrr={self.mrr:.3f} "
            f"abstain_accuracy={self.abstain_accuracy:.3f} n={self.n}"
        )

    def as_dict(self) -> dict:
        return {
            "recall@1": round(self.recall_at_1, 4),
            "recall@3": round(self.recall_at_3, 4),
            "mrr": round(self.mrr, 4),
            "abstain_accuracy": round(self.abstain_accuracy, 4),
            "n": self.n,
        }


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for item in data["questions"]:
        guides = item.get("guide")
        if isinstance(guides, str):
            guides = [guides]
        out.append(Question(str(item["q"]), guides))
    return out


def evaluate(retriever: Retriever, questions: list[Question], mode: Mode = "hybrid") -> Metrics:
    hit1 = hit3 = 0
    rr = 0.0
    in_scope = 0
    abstain_ok = 0
    misses: list[tuple[str, list[str], list[str], bool]] = []
    for question in questions:
        result = retriever.search(question.q, mode=mode, k=3)
        ranked = [] if result.abstain else result.guides
        if question.guides is None:
            abstain_ok += result.abstain
            if not result.abstain:
                misses.append((question.q, [], result.guides, result.abstain))
            continue
        in_scope += 1
        abstain_ok += not result.abstain
        rank = next((i for i, g in enumerate(ranked) if g in question.guides), None)
        if rank is not None:
            hit1 += rank == 0
            hit3 += rank < 3
            rr += 1.0 / (rank + 1)
        if rank != 0:
            misses.append((question.q, question.guides, result.guides, result.abstain))
    denominator = max(in_scope, 1)
    return Metrics(
        hit1 / denominator,
        hit3 / denominator,
        rr / denominator,
        abstain_ok / max(len(questions), 1),
        len(questions),
        misses,
    )
