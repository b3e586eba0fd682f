"""Parsing arXiv identifiers and links into one canonical, version-less id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import _
from bot.core.text import canonical_input

MAX_INPUT_LENGTH = 64
EXAMPLE_ID = "2402.01349"
EXAMPLE_URL = "https://arxiv.org/abs/2402.01349"

_NEW_STYLE = r"(?P<new>\d{4}\.\d{4,5})"
# Pre-2007 ids: archive, optional subject class (dropped in the canonical id), slash, YYMMNNN.
_OLD_STYLE = r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[a-z]{2}(?:-[a-z]{2})?))?/(?P<old>\d{7})"
_VERSION = r"(?:v(?P<version>[1-9]\d{0,3}))?"
_BARE = rf"(?:{_NEW_STYLE}|{_OLD_STYLE}){_VERSION}"

_BARE_RE = re.compile(rf"^(?:arxiv:\s*)?{_BARE}$", re.IGNORECASE)
_URL_RE = re.compile(
    rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_BARE}(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)


class InvalidArxivIdError(ValueError):
    """The text is not an arXiv id or link; `reason` says why in words a user understands."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(reason)
        self.text = text
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ArxivId:
    """A parsed arXiv id: the canonical id without version, and the version if one was given."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return self.id


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an id or arxiv.org link (abs, pdf or html) into its canonical form."""
    stripped = canonical_input(text).strip()
    if not stripped:
        raise InvalidArxivIdError(text, _("no arXiv id was given"))
    if len(stripped) > MAX_INPUT_LENGTH:
        raise InvalidArxivIdError(
            text, _("that is longer than {limit} characters").format(limit=MAX_INPUT_LENGTH)
        )
    match = _BARE_RE.match(stripped) or _URL_RE.match(stripped)
    if match is None:
        raise InvalidArxivIdError(text, _("that is not an arXiv id or arxiv.org link"))
    version = int(match["version"]) if match["version"] else None
    if match["new"]:
        return ArxivId(match["new"], version)
    return ArxivId(f"{match['archive'].lower()}/{match['old']}", version)


_FIND_RE = re.compile(
    rf"(?<![\w./-])(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*)?{_BARE}(?![\w/])",
    re.IGNORECASE,
)


def find_arxiv_id(text: str) -> ArxivId | None:
    """The first arXiv id or arxiv.org link anywhere in a message (e.g. "see arxiv.org/abs/2402.01349!")."""
    for match in _FIND_RE.finditer(canonical_input(text)):
        version = int(match["version"]) if match["version"] else None
        if match["new"]:
            return ArxivId(match["new"], version)
        return ArxivId(f"{match['archive'].lower()}/{match['old']}", version)
    return None


def split_versioned_id(versioned: str) -> tuple[str, int]:
    """Split an id as arXiv reports it (``2402.01349v2``) into the id and its version (default 1)."""
    match = re.match(r"^(?P<id>.+?)v(?P<version>\d+)$", versioned)
    if match is None:
        return versioned, 1
    return match["id"], int(match["version"])
