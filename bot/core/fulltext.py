"""A paper's full text as the summarizer reads it: sections of plain text, figures and table captions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

SourceKind = Literal["full_text", "abstract"]

AbsentReason = Literal["no_html", "unavailable", "unreadable", "budget"]
"""Why a card was written from the abstract: arXiv has no HTML version of the paper, the page could not
be fetched (a timeout, 5xx, 429), the page was not a LaTeXML paper, or the day's token budget is low."""

TRANSIENT_REASONS: frozenset[str] = frozenset({"unavailable", "budget"})
"""Reasons that may not hold an hour later (a summary written for them is cached briefly)."""


@dataclass(frozen=True, slots=True)
class Section:
    """One section: its title as printed (`3 Method`) and its paragraphs as plain text."""

    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure with an image: its label (`Figure 1`), the image's absolute URL and its caption."""

    label: str
    url: str
    caption: str


@dataclass(frozen=True, slots=True)
class FullText:
    """What was read from the HTML version `version` of a paper (already cut to a bounded size)."""

    arxiv_id: str
    version: int
    sections: tuple[Section, ...]
    figures: tuple[Figure, ...]
    tables: tuple[str, ...]  # table captions (`Table 2: …`), where results usually are

    @property
    def words(self) -> int:
        """How many words the sections hold (to tell a real paper from an empty shell)."""
        return sum(len(p.split()) for s in self.sections for p in s.paragraphs)

    def figure(self, label: str | None) -> Figure | None:
        """The figure the model named (`Figure 2`, `2`), else the first one; None without figures."""
        if label:
            wanted = label.strip().lower().removeprefix("figure").removeprefix("fig.").strip(" :.")
            for figure in self.figures:
                if figure.label.lower().removeprefix("figure").strip(" :.") == wanted:
                    return figure
        return self.figures[0] if self.figures else None


@dataclass(frozen=True, slots=True)
class Absent:
    """No full text for this paper, and why."""

    reason: AbsentReason


FullTextResult = FullText | Absent


def fulltext_to_json(value: FullTextResult) -> str:
    """Serialise a full text (or its absence) for the cache."""
    if isinstance(value, Absent):
        return json.dumps({"absent": value.reason})
    data: dict[str, Any] = {
        "arxiv_id": value.arxiv_id,
        "version": value.version,
        "sections": [[s.title, list(s.paragraphs)] for s in value.sections],
        "figures": [[f.label, f.url, f.caption] for f in value.figures],
        "tables": list(value.tables),
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def fulltext_from_json(raw: str) -> FullTextResult:
    """Inverse of fulltext_to_json."""
    data = json.loads(raw)
    if "absent" in data:
        return Absent(data["absent"])
    return FullText(
        arxiv_id=data["arxiv_id"],
        version=int(data["version"]),
        sections=tuple(Section(title, tuple(paragraphs)) for title, paragraphs in data["sections"]),
        figures=tuple(Figure(label, url, caption) for label, url, caption in data["figures"]),
        tables=tuple(data["tables"]),
    )
