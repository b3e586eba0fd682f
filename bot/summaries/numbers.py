"""Checking that every number a model wrote appears in the text it was given.

Numbers are compared by value, so 68.7, 68.70, 68.7% and "1,024" vs "1024" match, and a number the
source spells out ("three datasets") supports the digit. Anything else is unsupported: the model made it
up, or computed it (a difference of two results is not in the paper either).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# A number: digits with optional thousands separators and decimals; not a part of a word like "GPT4o"'s
# letters (the digits of "GPT-4o" or "7B" still count, and must then be in the source too).
_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "twice": 2,
    "double": 2,
    "triple": 3,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
}
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)


def _value(token: str) -> str | None:
    try:
        return format(Decimal(token.replace(",", "")).normalize(), "f")
    except InvalidOperation:
        return None


def numbers_in(text: str) -> list[str]:
    """The numbers written in a text, as normalised values, in order (`68.70%` → `68.7`)."""
    found = []
    for match in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        value = _value(match.group(0))
        if value is not None:
            found.append(value)
    return found


def source_numbers(text: str) -> frozenset[str]:
    """Every number a source supports: the ones written as digits and the ones spelled out."""
    spelled = {str(_WORDS[w.lower()]) for w in _WORD.findall(text)}
    return frozenset(numbers_in(text)) | spelled


def unsupported(text: str, supported: frozenset[str]) -> list[str]:
    """Numbers in `text` that the source does not contain (each once, in order)."""
    missing: list[str] = []
    for value in numbers_in(text):
        if value not in supported and value not in missing:
            missing.append(value)
    return missing
