"""What the model reads of a full text: introduction, method, results and conclusion, under a budget.

The budget is in estimated tokens (4 characters a token, about what OpenAI's tokenizers give for English
prose); a section's role is read from its title. Captions of figures and tables come first (results are
often only there), then each role gets its share, and what a role leaves unused goes to the rest of the
paper in reading order. Related work, background and acknowledgements are read last, if at all.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.core.fulltext import FullText

CHARS_PER_TOKEN = 4
CAPTION_SHARE = 0.12
SHARES = {"introduction": 0.2, "method": 0.3, "results": 0.35, "conclusion": 0.15}
MIN_PIECE_CHARS = 200  # a paragraph cut shorter than this is not worth reading

_ROLES = (
    ("introduction", re.compile(r"intro|motivation|overview", re.IGNORECASE)),
    ("results", re.compile(r"experiment|result|evaluat|analys|ablation|benchmark|empiric|finding", re.I)),
    ("conclusion", re.compile(r"conclu|discussion|summary|limitation|future work|outlook", re.IGNORECASE)),
    (
        "method",
        re.compile(
            r"method|approach|model|framework|architecture|design|algorithm|propos|formulat|system", re.I
        ),
    ),
)
_LAST = re.compile(r"related work|background|prior work|literature|acknowledg|preliminar|notation", re.I)


def estimate_tokens(text: str) -> int:
    """Tokens a text costs, estimated from its length."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def section_role(title: str) -> str:
    """introduction, method, results, conclusion, late (related work and the like) or other."""
    if _LAST.search(title):
        return "late"
    for role, pattern in _ROLES:
        if pattern.search(title):
            return role
    return "other"


@dataclass(frozen=True, slots=True)
class Excerpt:
    """The part of a full text given to the model: (section title, text) pairs in reading order."""

    sections: tuple[tuple[str, str], ...]
    captions: tuple[str, ...]

    @property
    def chars(self) -> int:
        """Characters of text selected."""
        return sum(len(text) for _, text in self.sections) + sum(len(c) for c in self.captions)

    def text(self) -> str:
        """Everything selected as one string (what numbers in the card are checked against)."""
        return "\n".join([*self.captions, *(f"{title}\n{text}" for title, text in self.sections)])


def _cut(text: str, room: int) -> str:
    """The longest start of `text` within `room` characters, ending at a sentence where possible."""
    if len(text) <= room:
        return text
    if room < MIN_PIECE_CHARS:
        return ""
    cut = text[:room]
    end = cut.rfind(". ")
    return cut[: end + 1] if end >= MIN_PIECE_CHARS else cut.rstrip() + "…"


def select(document: FullText, budget_tokens: int) -> Excerpt:
    """The excerpt of `document` the model reads, at most `budget_tokens` (estimated)."""
    budget = max(0, budget_tokens) * CHARS_PER_TOKEN
    captions: list[str] = []
    room = int(budget * CAPTION_SHARE)
    for caption in [f"{f.label}: {f.caption}" for f in document.figures if f.caption] + list(document.tables):
        piece = _cut(caption, room)
        if piece:
            captions.append(piece)
            room -= len(piece)
    left = budget - sum(len(c) for c in captions)

    paragraphs = [  # (position, role, text)
        ((s, p), section_role(section.title), text)
        for s, section in enumerate(document.sections)
        for p, text in enumerate(section.paragraphs)
    ]
    present = {role for _, role, _ in paragraphs}
    shares = {role: share for role, share in SHARES.items() if role in present}
    total_share = sum(shares.values()) or 1.0
    chosen: dict[tuple[int, int], str] = {}
    for role, share in shares.items():
        allot = int(left * share / total_share)
        for position, kind, text in paragraphs:
            if kind != role or allot <= 0:
                continue
            piece = _cut(text, allot - 1)  # each piece costs one more character: the line break joining it
            if not piece:
                break
            chosen[position] = piece
            allot -= len(piece) + 1
    spare = left - sum(len(t) + 1 for t in chosen.values())
    for rank in ("main", "late"):  # what the roles left goes to the rest, related work last
        for position, kind, text in paragraphs:
            if position in chosen or (kind == "late") != (rank == "late") or spare < MIN_PIECE_CHARS:
                continue
            piece = _cut(text, spare - 1)
            if piece:
                chosen[position] = piece
                spare -= len(piece) + 1

    grouped: dict[int, list[str]] = {}
    for (s, _p), text in sorted(chosen.items()):
        grouped.setdefault(s, []).append(text)
    sections = tuple((document.sections[s].title, "\n".join(texts)) for s, texts in grouped.items())
    return Excerpt(sections, tuple(captions))
