"""A Dutch-to-English gloss for questions typed in Dutch: the embedding model and the English guides
understand "how long do I have to integrate" better than "hoe lang heb ik om in te burgeren".
Phrases first, then word for word: the domain words below and the everyday lexicon in
knowledge/dutch_words.yml; a compound the lexicon lacks is glossed by its two parts ("examenuitslag" ->
"exam result"); unknown words (names, glossary terms) stay as they are. The searcher keeps the Dutch text
beside the gloss, so glossary terms still match."""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from bot import settings
from bot.retrieval.normalize import fold

_PHRASES = {
    "hoe lang": "how long",
    "hoe veel": "how many",
    "hoeveel": "how many",
    "wat is het verschil tussen": "what is the difference between",
    "het verschil tussen": "the difference between",
    "wat kost": "how much does it cost",
    "in te burgeren": "to integrate",
    "moet ik": "do I have to",
    "kan ik": "can I",
    "mag ik": "may I",
    "heb ik": "do I have",
    "waar kan ik": "where can I",
    "waar moet ik": "where do I have to",
    "in het buitenland": "abroad",
    "niet halen": "fail",
    "te laat": "too late",
    # the verb comes last in Dutch: "waar moet ik dat doen?" reads "where do I have to do that?"
    "dat doen": "do that",
    "dit doen": "do this",
    "dat aanvragen": "apply for that",
    "dat betalen": "pay for that",
    "dat regelen": "arrange that",
    "dat halen": "pass that",
}
_WORDS = {
    "wat": "what",
    "hoe": "how",
    "wie": "who",
    "waar": "where",
    "wanneer": "when",
    "welke": "which",
    "welk": "which",
    "waarom": "why",
    "ik": "I",
    "mijn": "my",
    "je": "you",
    "jij": "you",
    "u": "you",
    "moet": "must",
    "moeten": "must",
    "kan": "can",
    "kunnen": "can",
    "mag": "may",
    "is": "is",
    "zijn": "are",
    "een": "a",
    "de": "the",
    "het": "the",
    "en": "and",
    "of": "or",
    "niet": "not",
    "geen": "no",
    "voor": "for",
    "van": "of",
    "met": "with",
    "naar": "to",
    "bij": "at",
    "als": "if",
    "dan": "then",
    "ook": "also",
    "nog": "still",
    "inburgeren": "integrate",
    "inburgering": "integration",
    "examen": "exam",
    "examens": "exams",
    "toets": "test",
    "jaar": "year",
    "jaren": "years",
    "maand": "month",
    "maanden": "months",
    "brief": "letter",
    "gemeente": "municipality",
    "taal": "language",
    "taalniveau": "language level",
    "niveau": "level",
    "betalen": "pay",
    "gratis": "free",
    "kosten": "costs",
    "lening": "loan",
    "boete": "fine",
    "zakken": "fail",
    "slagen": "pass",
    "halen": "pass",
    "aanmelden": "register",
    "inschrijven": "register",
    "verschil": "difference",
    "website": "website",
    "vrijstelling": "exemption",
    "ontheffing": "exemption",
    "verlenging": "extension",
    "uitstel": "extension",
    "wonen": "living",
    "werk": "work",
    "werken": "work",
    "school": "school",
    "studeren": "study",
    "diploma": "diploma",
    "verblijfsvergunning": "residence permit",
    "leren": "learn",
    "tussen": "between",
    "heeft": "has",
    "hebben": "have",
    "krijg": "get",
    "krijgen": "get",
    "doen": "do",
    "eigenlijk": "actually",
    "buitenland": "abroad",
    "waarvoor": "for which",
    "je kunt": "you can",
    "er": "there",
    "om": "to",
    "te": "to",
    "over": "about",
    "na": "after",
    "tot": "until",
    "wie bepaalt": "who decides",
}
_PHRASE = re.compile("|".join(sorted((re.escape(p) for p in _PHRASES), key=len, reverse=True)), re.I)
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


_LINKS = ("", "s", "en", "e")  # Dutch compounds join their parts directly or with -s-, -en-, -e-
_MIN_PART = 3


@lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    """The everyday lexicon (knowledge/dutch_words.yml) under the domain words above."""
    try:
        data = yaml.safe_load((settings.KNOWLEDGE_DIR / "dutch_words.yml").read_text(encoding="utf-8")) or {}
        words = {fold(str(k)): "" if v is None else str(v) for k, v in (data.get("words") or {}).items()}
    except (OSError, yaml.YAMLError, AttributeError):
        words = {}
    return {**words, **_WORDS}


def gloss_word(word: str, keep: frozenset[str] = frozenset()) -> str:
    """`keep`: words that stay as they are (the glossary's one-word terms: "staatsexamen" is not "state exam")."""
    words = lexicon()
    key = fold(word)
    if key in keep:
        return word
    if key in words:
        return words[key]
    return _compound(key) or word


def _compound(word: str) -> str | None:
    """ "examenuitslag" -> "exam result": the split into two known words with the longest head."""
    words = lexicon()
    if len(word) < 2 * _MIN_PART + 1:
        return None
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head = word[cut:]
        if head not in words or not words[head]:
            continue
        for link in _LINKS:
            if not word[:cut].endswith(link):
                continue
            stem = word[: cut - len(link)]
            if len(stem) >= _MIN_PART and words.get(stem):
                return f"{words[stem]} {words[head]}"
    return None


def gloss(text: str, keep: frozenset[str] = frozenset()) -> str:
    """English gloss of a Dutch question: phrases first, then single words (dropped words leave no gap)."""
    text = _PHRASE.sub(lambda m: _PHRASES[m.group(0).lower()], text)
    glossed = _WORD.sub(lambda m: gloss_word(m.group(0), keep), text)
    return re.sub(r"\s{2,}", " ", glossed).strip()


_MIN_MIXED_WORD = 5  # shorter Dutch words are often English ones too ("over", "want", "door")
_FUNCTION_GLOSSES = frozenset(
    "is are has have the a to of and or not no for with at if then also still there about after until my you i".split()
)
_DOMAIN = re.compile(r"\b[\w.-]+\.(nl|com|org|eu)\b", re.I)  # "inburgeren.nl" names a site, not a verb


def gloss_mixed(text: str, keep: frozenset[str], english: frozenset[str]) -> str:
    """The English glosses of the Dutch words in a mostly English message ("which taalniveau does the IND ask"
    -> "language level"): words the lexicon (or a compound split) knows that are not frequent English words
    nor glossary terms (those are expanded by the glossary); empty when there are none."""
    words = lexicon()
    out: list[str] = []
    for word in _WORD.findall(_DOMAIN.sub(" ", text)):
        key = fold(word)
        if len(key) < _MIN_MIXED_WORD or key in english or key in keep:
            continue
        english_gloss = words.get(key) if key in words else _compound(key)
        if key not in words and english_gloss and set(english_gloss.split()) & _FUNCTION_GLOSSES:
            continue  # "staats|examens" is not "is exams", "naar|nederland" not "to netherlands"
        if english_gloss and fold(english_gloss) != key and english_gloss not in out:
            out.append(english_gloss)
    return " ".join(out)
