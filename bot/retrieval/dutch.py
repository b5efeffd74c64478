"""A small Dutch-to-English gloss for questions typed in Dutch: the embedding model and the English
guides understand "how long do I have to integrate" better than "hoe lang heb ik om in te burgeren".
Word for word, question words and the vocabulary of the domain only; unknown words stay as they are."""

from __future__ import annotations

import re

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
}
_WORDS = {
    "wat": "what", "hoe": "how", "wie": "who", "waar": "where", "wanneer": "when", "welke": "which", "welk": "which",
    "waarom": "why", "ik": "I", "mijn": "my", "je": "you", "jij": "you", "u": "you", "moet": "must",
    "moeten": "must", "kan": "can", "kunnen": "can", "mag": "may", "is": "is", "zijn": "are", "een": "a",
    "de": "the", "het": "the", "en": "and", "of": "or", "niet": "not", "geen": "no", "voor": "for", "van": "of",
    "met": "with", "naar": "to", "bij": "at", "als": "if", "dan": "then", "ook": "also", "nog": "still",
    "inburgeren": "integrate", "inburgering": "integration", "examen": "exam", "examens": "exams",
    "toets": "test", "jaar": "year", "jaren": "years", "maand": "month", "maanden": "months", "brief": "letter",
    "gemeente": "municipality", "taal": "language", "taalniveau": "language level", "niveau": "level",
    "betalen": "pay", "gratis": "free", "kosten": "costs", "lening": "loan", "boete": "fine", "zakken": "fail",
    "slagen": "pass", "halen": "pass", "aanmelden": "register", "inschrijven": "register", "verschil": "difference",
    "website": "website", "vrijstelling": "exemption", "ontheffing": "exemption", "verlenging": "extension",
    "uitstel": "extension", "wonen": "living", "werk": "work", "werken": "work", "school": "school",
    "studeren": "study", "diploma": "diploma", "verblijfsvergunning": "residence permit", "leren": "learn",
    "tussen": "between", "heeft": "has", "hebben": "have", "krijg": "get", "krijgen": "get", "doen": "do",
    "eigenlijk": "actually", "buitenland": "abroad", "waarvoor": "for which", "je kunt": "you can",
    "er": "there", "om": "to", "te": "to", "over": "about", "na": "after", "tot": "until", "wie bepaalt": "who decides",
}
_PHRASE = re.compile("|".join(sorted((re.escape(p) for p in _PHRASES), key=len, reverse=True)), re.I)
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


def gloss(text: str) -> str:
    """English gloss of a Dutch question: phrases first, then single words."""
    text = _PHRASE.sub(lambda m: _PHRASES[m.group(0).lower()], text)
    return _WORD.sub(lambda m: _WORDS.get(m.group(0).lower(), m.group(0)), text)
