"""Hybrid retrieval: BM25 + dense, fused with reciprocal rank fusion, aggregated to guides,
with a calibrated abstention decision."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

import numpy as np

from bot import settings
from bot.core.text import looks_dutch, question_focus
from bot.knowledge import KnowledgeBase, Passage
from bot.retrieval.dutch import gloss, gloss_mixed
from bot.retrieval.embedder import Embedder, get_embedder
from bot.retrieval.index import SearchIndex, ensure_index
from bot.retrieval.normalize import Normalizer, common_words, fold

Mode = Literal["hybrid", "bm25", "dense"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float

    def as_dict(self) -> dict:
        p = self.passage
        return {
            "guide": p.guide,
            "section": p.section,
            "source_url": p.source_url,
            "score": round(self.score, 4),
            "text": p.text,
            "passage_id": p.id,
        }


@dataclass
class SearchResult:
    query: str
    abstain: bool
    hits: list[Hit]
    terms: list[str] = field(default_factory=list)
    dense_top: float = 0.0
    lexical_top: float = 0.0
    candidates: list[Hit] = field(default_factory=list)  # best passages of any guide, by fused score
    searched: str = ""  # the query as searched (with an English gloss for a Dutch question)
    faq_top: float = 0.0  # closeness of the nearest FAQ question to the query

    @property
    def guides(self) -> list[str]:
        return [h.passage.guide for h in self.hits]

    def as_dict(self) -> dict:
        return {
            "abstain": self.abstain,
            "hits": [h.as_dict() for h in self.hits],
            "terms": self.terms,
            "signals": {"dense_top": round(self.dense_top, 4), "lexical_top": round(self.lexical_top, 4)},
        }


class Retriever:
    def __init__(self, kb: KnowledgeBase, index: SearchIndex, embedder: Optional[Embedder] = None):
        self.kb = kb
        self.index = index
        self.embedder = embedder or get_embedder()
        self.normalizer = Normalizer(kb.glossary)
        self.normalizer.set_vocabulary(index.vocabulary)
        # the glossary's one-word terms stay as they are in a Dutch question's gloss
        self.glossary_words = frozenset(
            fold(form)
            for term in kb.glossary
            for form in term.surface_forms
            if form.strip() and " " not in form.strip()
        )
        # ... and every word of the glossary's forms stays unglossed in a mostly English question (the
        # glossary expands "staatsexamen", "naar nederland" itself)
        self.glossary_form_words = frozenset(
            fold(word) for term in kb.glossary for form in term.surface_forms for word in re.findall(r"[\w']+", form)
        )
        self._lock = threading.Lock()  # faiss/bm25 objects are shared across the action server's threads
        # FAQ questions (the guides' and the hub's): a user's question is matched against them as questions too
        faq_ids = [pid for pid, p in enumerate(index.passages) if p.kind in ("faq", "hub_faq")]
        # ... and in the other wordings a hub FAQ entry lists (`also_asked`): one row per wording
        hub_faq = {p.section: pid for pid, p in enumerate(index.passages) if p.kind == "hub_faq"}
        wordings = [(hub_faq[e.q], w) for e in kb.faq if e.q in hub_faq for w in e.also_asked]
        vectors = [index.heading_vectors[faq_ids]]
        if wordings:
            vectors.append(self.embedder.encode([w for _, w in wordings]))
        self._faq_ids = np.array(faq_ids + [pid for pid, _ in wordings], dtype=np.int64)
        self._faq_texts = [index.passages[pid].section for pid in faq_ids] + [w for _, w in wordings]
        self._faq_vectors = np.vstack(vectors).astype(np.float32)  # gathered once, not on every search

    # -- scoring -------------------------------------------------------------------
    def _lexical(self, tokens: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        known = [t for t in tokens if t in self._vocab_set]
        if not known:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = self.index.lexical.get_scores(known)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        keep = scores[top] > 0
        return top[keep], scores[top][keep]

    def _dense(self, text: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        vector = self.embedder.encode_query(text)
        scores, ids = self.index.dense.search(vector[None, :], min(n, self.index.size))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _faq_questions(self, text: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """FAQ passages ranked by how close their question is to the user's (question-to-question match: the
        FAQ's answer text does not dilute it)."""
        if not len(self._faq_ids):
            return self._faq_ids, np.empty(0, dtype=np.float32)
        scores = self._faq_vectors @ self.embedder.encode_query(text)
        order = np.argsort(-scores)
        _, first = np.unique(self._faq_ids[order], return_index=True)  # a FAQ's best wording only
        order = order[np.sort(first)][:n]
        return self._faq_ids[order], scores[order]

    def faq_question_match(self, pid: int, qvec: np.ndarray) -> tuple[float, str]:
        """How close the user's question is to a FAQ passage's question, in its closest wording, and that wording."""
        rows = np.flatnonzero(self._faq_ids == pid)  # its own question first, then its other wordings
        if not len(rows):
            return float(self.index.heading_vectors[pid] @ qvec), self.index.passages[pid].section
        scores = self._faq_vectors[rows] @ qvec
        best = int(np.argmax(scores))
        return float(scores[best]), self._faq_texts[int(rows[best])]

    @property
    def _vocab_set(self) -> set[str]:
        return self.normalizer._vocab

    def with_gloss(self, text: str) -> str:
        """The text with an English gloss of its Dutch words, as it is searched."""
        if looks_dutch(text):  # the English model and guides read an English gloss better
            return f"{text} ({gloss(text, self.glossary_words)})"
        if mixed := gloss_mixed(text, self.glossary_form_words, common_words()):
            return f"{text} ({mixed})"  # "which taalniveau ..." is also searched as "language level"
        return text

    def search(
        self, query: str, mode: Mode = "hybrid", k: int = settings.TOP_K, prefer_guide: Optional[str] = None
    ) -> SearchResult:
        """`prefer_guide`: the guide of the previous turn, for a follow-up question (a small bonus)."""
        query = (query or "").strip()
        if not query:
            return SearchResult(query, True, [])
        original = query
        query = self.with_gloss(query)
        analysis = self.normalizer.analyse(query)
        terms = [m.term.term for m in analysis.terms]
        n = settings.CANDIDATES
        with self._lock:
            lex_ids, lex_scores = self._lexical(analysis.tokens + self.normalizer.expansion_tokens(analysis), n)
            dense_text = query
            expansion = self.normalizer.expansion_text(analysis)
            if expansion:
                dense_text = f"{query} {expansion}"
            dense_ids, dense_scores = self._dense(dense_text, n)
            focus = question_focus(query)
            focus_ids = self._dense(focus, n)[0] if focus else np.empty(0, dtype=np.int64)
            faq_ids, faq_scores = self._faq_questions(query, n)
        dense_top = float(dense_scores[0]) if len(dense_scores) else 0.0
        if len(faq_scores):
            dense_top = max(dense_top, float(faq_scores[0]) * settings.FAQ_QUESTION_DENSE_SHARE)
        lexical_top = float(lex_scores[0]) if len(lex_scores) else 0.0

        fused: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            self._add_rrf(fused, dense_ids, settings.RRF_WEIGHT_DENSE)
            self._add_rrf(fused, focus_ids, settings.RRF_WEIGHT_QUESTION_FOCUS)
            if settings.RRF_WEIGHT_FAQ_QUESTION > 0:
                close = faq_ids[faq_scores >= settings.FAQ_QUESTION_RRF_MIN]
                self._add_rrf(fused, close, settings.RRF_WEIGHT_FAQ_QUESTION)
        if mode in ("hybrid", "bm25"):
            self._add_rrf(fused, lex_ids, settings.RRF_WEIGHT_LEXICAL)

        term_guides = {title for match in analysis.terms for title in match.term.guides}
        if term_guides and settings.TERM_GUIDE_BONUS != 1.0:
            for pid in fused:
                if self.index.passages[pid].guide in term_guides:
                    fused[pid] *= settings.TERM_GUIDE_BONUS
        if prefer_guide:
            for pid in fused:
                if self.index.passages[pid].guide == prefer_guide:
                    fused[pid] *= settings.FOLLOW_UP_GUIDE_BONUS
        hits = self._by_guide(fused, k)
        ranked = sorted(fused.items(), key=lambda t: -t[1])[: settings.ANSWER_CANDIDATES]
        candidates = [Hit(self.index.passages[pid], score) for pid, score in ranked]
        if mode == "bm25":
            abstain = not hits or lexical_top < settings.ABSTAIN_MIN_LEXICAL
        else:
            abstain = not hits or dense_top < settings.ABSTAIN_MIN_DENSE
        faq_top = float(faq_scores[0]) if len(faq_scores) else 0.0
        return SearchResult(
            original, abstain, hits, terms, dense_top, lexical_top, candidates, searched=query, faq_top=faq_top
        )

    def _add_rrf(self, fused: dict[int, float], ranked_ids: np.ndarray, weight: float) -> None:
        for rank, pid in enumerate(ranked_ids):
            pid = int(pid)
            kind_weight = settings.KIND_WEIGHTS.get(self.index.passages[pid].kind, 1.0)
            fused[pid] = fused.get(pid, 0.0) + weight * kind_weight / (settings.RRF_K + rank + 1)

    def _by_guide(self, fused: dict[int, float], k: int) -> list[Hit]:
        """Best passage per guide; a guide's score is its best passage plus a little for the runner-up."""
        per_guide: dict[str, list[tuple[float, int]]] = {}
        for pid, score in fused.items():
            per_guide.setdefault(self.index.passages[pid].guide, []).append((score, pid))
        ranked = []
        for guide, scored in per_guide.items():
            scored.sort(reverse=True)
            total = scored[0][0] + settings.GUIDE_SECOND_PASSAGE_WEIGHT * (scored[1][0] if len(scored) > 1 else 0.0)
            ranked.append((total, self._displayable(scored), guide))
        ranked.sort(key=lambda t: -t[0])
        return [Hit(self.index.passages[pid], score) for score, pid, _ in ranked[:k]]

    def _displayable(self, scored: list[tuple[float, int]]) -> int:
        """Prefer a passage that reads as an answer (section/FAQ) over a bare summary or glossary line."""
        best_score, best_pid = scored[0]
        for score, pid in scored[:3]:
            if self.index.passages[pid].kind in ("section", "faq", "hub_faq", "counter") and score >= 0.8 * best_score:
                return pid
        return best_pid


@lru_cache(maxsize=1)
def default_retriever() -> Retriever:
    kb, index, _ = ensure_index()
    return Retriever(kb, index)


def retriever_for(knowledge_dir: Path, index_dir: Path) -> Retriever:
    kb, index, _ = ensure_index(knowledge_dir=knowledge_dir, index_dir=index_dir)
    return Retriever(kb, index)
