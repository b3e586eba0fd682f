"""Small text helpers shared by parsers, summarizers and renderers."""

from __future__ import annotations

import unicodedata


def canonical_input(text: str) -> str:
    """What a user typed, in the form every parser reads: NFKC, and every decimal digit as ASCII.

    Full-width letters and other scripts' digits are then read as if typed on a Latin keyboard:
    full-width `cs.CL` is `cs.CL`, Arabic-Indic `08:30` is `08:30`, a superscript 2 is 2.
    """
    normal = unicodedata.normalize("NFKC", text)
    if normal.isascii():
        return normal
    # NFKC leaves Arabic-Indic, Devanagari and other decimal digits alone; arXiv ids and times need ASCII.
    return "".join(_ascii_digit(ch) for ch in normal)


def _ascii_digit(ch: str) -> str:
    digit = unicodedata.decimal(ch, None)
    return ch if digit is None else str(digit)


def utf16_length(text: str) -> int:
    """Length as Telegram and Discord count it: UTF-16 code units (astral characters count twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def shorten(text: str, limit: int) -> str:
    """Cut text to at most `limit` UTF-16 units, at a word boundary when one is near, ending in '…'."""
    if utf16_length(text) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis
    used = 0
    end = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            end = index
            break
    cut = text[:end]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
