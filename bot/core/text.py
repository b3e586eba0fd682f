"""Small text helpers shared by summarizers and renderers."""

from __future__ import annotations


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
