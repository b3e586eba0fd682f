"""Looking up arXiv categories and archives, with suggestions for typos."""

from __future__ import annotations

import difflib
import re

from bot.core.i18n import _
from bot.core.topics.taxonomy_data import ARCHIVES, CATEGORIES

_ALL = {**ARCHIVES, **CATEGORIES}
_BY_LOWER = {name.lower(): name for name in _ALL}
_CATEGORY_SHAPE = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)?\.[A-Za-z]+(?:-[A-Za-z]+)?$")


def canonical_category(text: str) -> str | None:
    """The category or archive as arXiv spells it (`CS.cl` → `cs.CL`), or None if unknown."""
    return _BY_LOWER.get(text.strip().lower())


def is_archive(category: str) -> bool:
    """True for a whole archive such as `cs` or `math` (as opposed to `cs.CL`)."""
    return category in ARCHIVES


def looks_like_category(text: str) -> bool:
    """True for `archive.subject` with a known archive: `cs.CLL` gets a "did you mean", `node.js` does not."""
    stripped = text.strip()
    return bool(_CATEGORY_SHAPE.match(stripped)) and stripped.split(".")[0].lower() in ARCHIVES


def category_name(category: str) -> str:
    """The category's English name."""
    return _ALL.get(category, category)


def suggest(text: str, limit: int = 3) -> list[str]:
    """Known categories closest to a misspelt one."""
    matches = difflib.get_close_matches(text.strip().lower(), list(_BY_LOWER), n=limit, cutoff=0.6)
    return [_BY_LOWER[m] for m in matches]


def unknown_category(text: str) -> str:
    """Why `text` is not a category, with a "did you mean" when a known one is close (one wording)."""
    hint = suggest(text)
    if hint:
        more = _("Did you mean {suggestions}?").format(suggestions=_(" or ").join(hint))
    else:
        more = _("See {url}").format(url="https://arxiv.org/category_taxonomy")
    return _("{text} is not an arXiv category.").format(text=text.strip()) + " " + more


def complete_category(typed: str, limit: int = 25) -> list[tuple[str, str]]:
    """Categories and archives matching what was typed, as (code, "code — name"), best first.

    For autocomplete menus (Discord allows 25 choices): codes starting with the text first, then codes
    or names containing it; with nothing typed, the archives.
    """
    needle = typed.strip().lower()
    if not needle:
        return [(code, f"{code} — {name}") for code, name in list(ARCHIVES.items())[:limit]]
    starts = [c for c in _ALL if c.lower().startswith(needle)]
    contains = [c for c in _ALL if c not in starts and (needle in c.lower() or needle in _ALL[c].lower())]
    ranked = sorted(starts, key=lambda c: (len(c), c.lower())) + sorted(contains, key=str.lower)
    return [(code, f"{code} — {_ALL[code]}"[:100]) for code in ranked[:limit]]
