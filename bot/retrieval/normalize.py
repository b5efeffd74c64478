"""Text normalisation for lexical search: a spaCy pipeline (lookup lemmas, stop words), a
PhraseMatcher over the glossary's Dutch/English domain terms, and distance-1 typo correction."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.matcher import PhraseMatcher

from bot import settings
from bot.knowledge import GlossaryTerm

# Words that carry meaning in this domain although spaCy lists them as stop words.
_KEEP = {"who", "when", "where", "which", "free", "first", "move", "not", "no", "alone", "name", "back"}


@lru_cache(maxsize=1)
def spacy_pipeline() -> spacy.language.Language:
    nlp = spacy.blank(settings.SPACY_LANG)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def fold(text: str) -> str:
    """Lowercase and strip accents (Oriëntatie → orientatie) so Dutch terms match however typed."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


_US_SPELLING = re.compile(r"iz(e|ed|es|ing|ation|ations)$")
# Number words are spaCy stop words; as digits they match the "3 years" and "4 parts" of other texts
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
    if n >= 2  # "one" is mostly a pronoun ("which one", "one of the parts")
} | {"twee": "2", "drie": "3", "vier": "4", "vijf": "5", "zes": "6", "acht": "8", "tien": "10"}


@dataclass(frozen=True)
class TermMatch:
    term: GlossaryTerm
    surface: str


@dataclass
class Analysis:
    tokens: list[str]
    terms: list[TermMatch] = field(default_factory=list)
    corrected: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Frequent English words (spacy-lookups-data word probabilities above a threshold): never 'corrected'.

    spaCy's own lookup table holds a million hashed entries (~270 MB in memory), so the small set we
    need is derived once from the data file and cached as a word list next to the search index."""
    cache = settings.INDEX_DIR / "common_words.txt"
    try:
        return frozenset(cache.read_text(encoding="utf-8").split())
    except OSError:
        pass
    import gzip
    import json

    import spacy_lookups_data

    source = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        probs = json.load(handle)
    words = sorted({w.lower() for w, p in probs.items() if p > settings.TYPO_KNOWN_WORD_LOGPROB and w.isalpha()})
    del probs
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text("\n".join(words), encoding="utf-8")
    except OSError:
        pass
    return frozenset(words)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Normalizer:
    """Turns text into search tokens and recognises glossary terms (Dutch and English)."""

    def __init__(self, glossary: Sequence[GlossaryTerm]):
        self.nlp = spacy_pipeline()
        self.glossary = list(glossary)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for i, term in enumerate(self.glossary):
            patterns = [self.nlp.make_doc(self._clean(form)) for form in term.surface_forms if form.strip()]
            self.matcher.add(str(i), patterns)
        self._lemmas = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")  # type: ignore[attr-defined]
        self._vocab: set[str] = set()
        self._delete_index: dict[str, str] = {}

    # -- tokens -----------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        return self._tokens(self.nlp.make_doc(self._clean(text)))

    def _clean(self, text: str) -> str:
        text = fold(text)
        return re.sub(r"[-_/]", " ", text)  # z-route → z route; b1-route → b1 route

    def _tokens(self, doc) -> list[str]:
        out = []
        for tok in doc:
            if tok.is_punct or tok.is_space or not tok.text.strip():
                continue
            lower = tok.text
            if lower in _NUMBER_WORDS:  # "four separate parts" is "4 parts"
                out.append(_NUMBER_WORDS[lower])
                continue
            if tok.is_stop and lower not in _KEEP:
                continue
            lemma = self._lemma(lower)
            if lemma in self.nlp.Defaults.stop_words and lemma not in _KEEP:  # "gets" is "get", a stop word
                continue
            if lemma:
                out.append(lemma)
        return out

    def _lemma(self, word: str) -> str:
        lemma = self._lemmas.get(word, word)
        return _US_SPELLING.sub(r"is\1", re.sub(r"[^\w]", "", lemma))  # "recognized" is the guides' "recognised"

    # -- typo correction ----------------------------------------------------------
    def set_vocabulary(self, words: Iterable[str]) -> None:
        self._vocab = {w for w in words if w}
        self._delete_index = {}
        for word in sorted(self._vocab, key=len):
            if len(word) >= 4:
                for d in _deletes(word):
                    self._delete_index.setdefault(d, word)

    def correct(self, token: str) -> str:
        if token in self._vocab or len(token) < 4 or not token.isalpha():
            return token
        if token in common_words():
            return token  # a real English word, just not in our texts ("bank")
        deletes = _deletes(token)
        for d in sorted(deletes):
            if d in self._vocab:  # one letter too many in the query ("examn" -> "exam")
                return d
        if token in self._delete_index:  # one letter missing ("inburgring" -> "inburgering")
            return self._delete_index[token]
        for d in sorted(deletes):
            if d in self._delete_index:  # one letter wrong or two swapped ("muncipality")
                return self._delete_index[d]
        return token

    # -- analysis -----------------------------------------------------------------
    def analyse(self, text: str) -> Analysis:
        doc = self.nlp.make_doc(self._clean(text))
        terms: list[TermMatch] = []
        seen: set[int] = set()
        for match_id, start, end in self.matcher(doc):
            idx = int(self.nlp.vocab.strings[match_id])
            if idx not in seen:
                seen.add(idx)
                terms.append(TermMatch(self.glossary[idx], doc[start:end].text))
        raw = self._tokens(doc)
        corrected = {}
        tokens = []
        for tok in raw:
            fixed = self.correct(tok)
            if fixed != tok:
                corrected[tok] = fixed
            tokens.append(fixed)
        if corrected:  # a corrected typo may itself be a glossary term ("leerbarheidstoets")
            fixed_doc = self.nlp.make_doc(" ".join(corrected.get(t, t) for t in (w.text for w in doc)))
            for match_id, start, end in self.matcher(fixed_doc):
                idx = int(self.nlp.vocab.strings[match_id])
                if idx not in seen:
                    seen.add(idx)
                    terms.append(TermMatch(self.glossary[idx], fixed_doc[start:end].text))
        return Analysis(tokens=tokens, terms=terms, corrected=corrected)

    def expansion_tokens(self, analysis: Analysis) -> list[str]:
        """Tokens of the canonical term and its synonyms for every glossary term found."""
        return [t for match in analysis.terms for t in self.term_tokens(match.term)]

    def term_tokens(self, term: GlossaryTerm) -> list[str]:
        """Tokens of a glossary term's canonical form and its synonyms."""
        return [t for form in [term.term, *term.synonyms] for t in self.tokens(form)]

    @staticmethod
    def expansion_text(analysis: Analysis) -> str:
        """English glosses appended to the query for the (English-only) embedding model."""
        return " ".join(f"({m.term.term}: {', '.join(m.term.synonyms[:3])})" for m in analysis.terms)
