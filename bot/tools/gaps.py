"""Unanswered questions grouped by meaning, and `python -m bot gaps --since DAYS`: the groups as a YAML draft in
the format of the retrieval dev sets (`questions: [{q, guide: null}]`, read by bot/tools/evaluate.py), for an
editor to label (a guide title, or null when the assistant should keep abstaining) and add to tests/data/.

Grouping: the questions are embedded with the retrieval encoder (MiniLM, bot/retrieval/embedder.py, loaded
offline) and joined by complete-linkage agglomerative clustering on cosine distance: a group holds questions
that are *all* pairwise at least settings.GAP_GROUP_MIN_COSINE similar (average linkage chained unrelated
"in the Netherlands" questions together: MiniLM puts any two of them near 0.5-0.6). Only the newest
settings.GAP_MAX_QUESTIONS are grouped (the linkage needs n² memory). Measured on 26 hand-written
off-guide questions in 10 topics (pairs in the same group vs the same topic): complete linkage at 0.55 gave
21 groups, pair precision 1.00, recall 0.28; at 0.50 precision 0.71, recall 0.40; average linkage at 0.50
precision 0.43, recall 0.40. A group too many is cheaper for an editor than two topics in one group. Without the encoder (not installed),
identical questions (case and spacing aside) still form groups."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from bot import settings
from bot.tools.insight import Period, Unanswered, report_for, store_exists, tracker_db

log = logging.getLogger(__name__)

Encoder = Callable[[list[str]], Any]  # texts -> unit vectors (numpy array, one row per text)


@dataclass
class Group:
    items: list[Unanswered]  # newest first, one per distinct question
    count: int  # every time one of them was asked

    @property
    def newest(self) -> float:
        return self.items[0].timestamp

    @property
    def representative(self) -> str:
        return self.items[0].text

    @property
    def examples(self) -> list[str]:
        return [item.text for item in self.items]

    @property
    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in self.items:
            out[item.kind] = out.get(item.kind, 0) + 1
        return out


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def group_questions(
    questions: list[Unanswered], encode: Optional[Encoder] = None, min_cosine: Optional[float] = None
) -> list[Group]:
    """Groups, most asked first (then newest first); inside a group the distinct questions newest first, the
    newest of the closest-to-the-middle ones as its representative."""
    min_cosine = settings.GAP_GROUP_MIN_COSINE if min_cosine is None else min_cosine
    newest_first = sorted(questions, key=lambda q: -q.timestamp)[: settings.GAP_MAX_QUESTIONS]
    distinct: dict[str, list[Unanswered]] = {}
    for question in newest_first:
        if question.text.strip():
            distinct.setdefault(_key(question.text), []).append(question)
    keys = list(distinct)
    labels = _cluster([distinct[k][0].text for k in keys], encode, min_cosine) if keys else []
    members: dict[int, list[str]] = {}
    for key, label in zip(keys, labels):
        members.setdefault(label, []).append(key)
    groups = []
    for group_keys in members.values():
        items = sorted((distinct[k][0] for k in group_keys), key=lambda q: -q.timestamp)
        groups.append(Group(items, sum(len(distinct[k]) for k in group_keys)))
    return sorted(groups, key=lambda g: (-g.count, -g.newest))


def _cluster(texts: list[str], encode: Optional[Encoder], min_cosine: float) -> list[int]:
    if len(texts) == 1 or encode is None:
        return list(range(len(texts)))
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage

    vectors = np.asarray(encode(texts), dtype=np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    tree = linkage(vectors, method="complete", metric="cosine")
    return [int(label) for label in fcluster(tree, t=1.0 - min_cosine, criterion="distance")]


class _CachedEncoder:
    """Each distinct text is encoded once per process (the staff page groups the same questions on every view)."""

    def __init__(self, encode: Encoder, limit: int = 20000):
        self.encode, self.limit = encode, limit
        self.vectors: dict[str, Any] = {}
        self.lock = threading.Lock()

    def __call__(self, texts: list[str]) -> Any:
        import numpy as np

        with self.lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
            if missing:
                if len(self.vectors) + len(missing) > self.limit:
                    self.vectors.clear()
                self.vectors.update(zip(missing, self.encode(missing)))
            return np.stack([self.vectors[t] for t in texts])


_encoder_lock = threading.Lock()
_encoder: list[Optional[Encoder]] = []


def default_encoder() -> Optional[Encoder]:
    """The retrieval encoder, loaded once per process (None when it cannot load: exact-text groups then)."""
    with _encoder_lock:
        if not _encoder:
            try:
                from bot.retrieval.embedder import get_embedder

                _encoder.append(_CachedEncoder(get_embedder().encode))
            except Exception as error:  # the page works without it
                log.warning("gaps: encoder not available (%s); grouping identical questions only", error)
                _encoder.append(None)
        return _encoder[0]


# ---------------------------------------------------------------- the YAML draft


def _quoted(text: str) -> str:
    return json.dumps(" ".join(text.split()), ensure_ascii=False)  # a JSON string is a valid YAML scalar


def draft_yaml(groups: list[Group], period: Period, all_examples: bool = False) -> str:
    """One item per group (its representative; the other questions as comments under it), or with
    all_examples one item per distinct question. Every `guide` is null until an editor labels it."""
    lines = [
        f"# Unanswered questions from the tracker store, {period.first} to {period.last}, grouped by meaning",
        f"# (python -m bot gaps, {datetime.now().isoformat(timespec='minutes')}; {len(groups)} groups).",
        '# Label each item: `guide: ["<guide title>"]` when a guide answers it (titles from knowledge/hub.yml),',
        "# or keep `guide: null` when the assistant should keep saying it does not know. Then add the labelled",
        "# items to tests/data/retrieval_dev.yml or retrieval_holdout.yml and run `make eval`.",
        "questions:",
    ]
    for group in groups:
        kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(group.kinds.items()))
        lines.append(f"  # group: asked {group.count}x ({kinds}), {len(group.items)} distinct")
        for i, text in enumerate(group.examples):
            if all_examples or i == 0:
                lines += [f"  - q: {_quoted(text)}", "    guide: null"]
            else:
                lines.append(f"    #   also: {_quoted(text)}")
    if not groups:
        lines[-1] = "questions: []"
    return "\n".join(lines) + "\n"


def main(args) -> int:
    db = tracker_db(args.db)
    if not store_exists(db):
        print(f"no tracker store at {db} (pass --db PATH or a postgresql:// URL)", file=sys.stderr)
        return 1
    if args.since < 1:
        print("--since must be at least 1 (days, today included)", file=sys.stderr)
        return 2
    period = Period.last_days(args.since)
    report = report_for(db, period)
    groups = group_questions(report.unanswered, default_encoder())
    text = draft_yaml(groups, period, args.all)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        questions = sum(len(g.items) if args.all else 1 for g in groups)
        print(
            f"{len(report.unanswered)} unanswered questions in {args.since} days, {len(groups)} groups: "
            f"{questions} draft questions written to {args.out}"
        )
    else:
        sys.stdout.write(text)
    return 0
