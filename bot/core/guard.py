"""Input guard: what to do with odd user input, before NLU or search sees it. Pure Python
(no ML imports), used by the actions and by Rasa-side plugins."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

from bot import settings
from bot.core import messages
from bot.core.text import asking_part, looks_other_language

_SCRIPT = re.compile(r"<\s*(script|style)\b[^>]*>.*?(<\s*/\s*\1\s*>|$)", re.I | re.S)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]{0,500}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-zÀ-ɏ]")
_ANY_LETTER = re.compile(r"[^\W\d_]", re.U)

NOTE_TOO_LONG = "too_long"
NOTE_EMPTY = "empty"
NOTE_NO_WORDS = "no_words"
NOTE_OTHER_SCRIPT = "other_script"
NOTE_OTHER_LANGUAGE = "other_language"  # Latin script, neither English nor Dutch
NOTE_MARKUP = "markup"

REPLIES = {
    NOTE_EMPTY: messages.GUARD_EMPTY,
    NOTE_NO_WORDS: messages.GUARD_NO_WORDS,
    NOTE_OTHER_SCRIPT: messages.GUARD_OTHER_SCRIPT,
    NOTE_OTHER_LANGUAGE: messages.GUARD_OTHER_SCRIPT,
    NOTE_MARKUP: messages.GUARD_MARKUP,
    NOTE_TOO_LONG: messages.GUARD_TOO_LONG,
}


@dataclass(frozen=True)
class Checked:
    text: str  # cleaned text, truncated to the cap
    note: Optional[str]  # one of the NOTE_* values, or None when the input is ordinary

    @property
    def answerable(self) -> bool:
        return self.note in (None, NOTE_TOO_LONG)

    @property
    def reply(self) -> Optional[str]:
        return REPLIES.get(self.note) if self.note else None


def clean(text: str) -> str:
    """NFC, no control characters, no HTML/XML tags ("<img src=x onerror=...>"), single spaces."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub(" ", text)
    text = _SCRIPT.sub(" ", text)
    text = _TAG.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def check(text: Optional[str], max_chars: int = settings.MAX_MESSAGE_CHARS) -> Checked:
    cleaned = clean(text or "")
    if not cleaned:
        return Checked("", NOTE_MARKUP if _TAG.search(text or "") or _SCRIPT.search(text or "") else NOTE_EMPTY)
    letters = _ANY_LETTER.findall(cleaned)
    if not letters:
        return Checked(cleaned[:max_chars], NOTE_NO_WORDS)
    latin = len(_LATIN_LETTER.findall(cleaned))
    if latin < 0.5 * len(letters):
        return Checked(cleaned[:max_chars], NOTE_OTHER_SCRIPT)
    if looks_other_language(cleaned):
        return Checked(cleaned[:max_chars], NOTE_OTHER_LANGUAGE)
    if len(cleaned) > max_chars:  # the cap protects NLU, not the question: keep the part that asks
        return Checked(asking_part(cleaned, max_chars), NOTE_TOO_LONG)
    return Checked(cleaned, None)
