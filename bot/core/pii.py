"""Redact personal data before it is stored: BSN (9 digits passing the 11-proof), IBAN (mod-97),
e-mail addresses, Dutch phone numbers and V-numbers (vreemdelingennummer). Plain Python; used by
the tracker store (Rasa env) and the actions."""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDERS = {
    "email": "[email]",
    "iban": "[iban]",
    "bsn": "[bsn]",
    "vnumber": "[v-number]",
    "phone": "[phone]",
}

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)
_VNUMBER = re.compile(
    r"\b(?:v[- ]?(?:nummer|number|nr\.?|no\.?)|vreemdelingennummer)\s*[:#]?\s*(\d[\d .-]{8,14}\d)", re.I
)
# 9 digits, optionally grouped as 1234.56.789 / 123 456 789 / 123-456-789
_NINE = re.compile(r"(?<![\d+])(\d{4}[ .-]?\d{2}[ .-]?\d{3}|\d{3}[ .-]\d{3}[ .-]\d{3}|\d{9})(?!\d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+31|0031|0)[ -]?(?:\(0\))?[ -]?(?:6[ -]?\d(?:[ -]?\d){7}|[1-9](?:[ -]?\d){8})(?!\d)"
)


def bsn_valid(digits: str) -> bool:
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def iban_valid(candidate: str) -> bool:
    iban = re.sub(r"\s", "", candidate).upper()
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def _redact_iban_span(span: str) -> str:
    """The IBAN pattern matched `span`; when the whole is no IBAN, a valid one may still sit inside it between
    spaces ("AA00 NL91ABNA0417164300 AA00": the pattern started at the noise)."""
    if iban_valid(span):
        return PLACEHOLDERS["iban"]
    starts = [0] + [i + 1 for i, c in enumerate(span) if c == " "]
    ends = [i for i, c in enumerate(span) if c == " "] + [len(span)]
    for start in starts:
        for end in reversed(ends):
            if end - start >= 15 and iban_valid(span[start:end]):
                return span[:start] + PLACEHOLDERS["iban"] + _redact_iban_span(span[end:])
    return span


def redact(text: str) -> str:
    if not text or not isinstance(text, str):
        return text
    text = _EMAIL.sub(PLACEHOLDERS["email"], text)
    text = _IBAN.sub(lambda m: _redact_iban_span(m.group(0)), text)
    text = _VNUMBER.sub(lambda m: m.group(0).replace(m.group(1), PLACEHOLDERS["vnumber"]), text)
    text = _NINE.sub(lambda m: PLACEHOLDERS["bsn"] if bsn_valid(re.sub(r"\D", "", m.group(0))) else m.group(0), text)
    text = _PHONE.sub(PLACEHOLDERS["phone"], text)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (dicts, lists), keys untouched."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


_NAMED_NUMBER = re.compile(r"\b(bsn|burgerservicenummer|sofi|v-?numm?er|v-?number|iban)\b\D{0,12}\d{5,}", re.I)


def contains_pii(text: str) -> bool:
    """Personal data the user should not share here: anything `redact` removes, or a number named as a BSN,
    V-number or IBAN (also when its check digit is wrong)."""
    return bool(text) and (redact(text) != text or bool(_NAMED_NUMBER.search(text)))
