"""Building a platform-neutral Card from a paper and its summary."""

from __future__ import annotations

import re

from bot.core.models import Card, Paper, Summary
from bot.core.ports import PaperSource, SummarySource

_CODE_HOSTS = r"(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|huggingface\.co|sourceforge\.net)"
_CODE_URL = re.compile(rf"(?:https?://)?(?:www\.)?{_CODE_HOSTS}/[\w.\-~%/]+", re.IGNORECASE)


def find_code_url(*texts: str | None) -> str | None:
    """The first code-repository link named in the texts (abstract, comment), normalised to https."""
    for text in texts:
        if not text:
            continue
        match = _CODE_URL.search(text)
        if match:
            url = match.group(0).rstrip(".,;:)/")
            return url if url.lower().startswith("http") else f"https://{url}"
    return None


def build_card(
    paper: Paper, summary: Summary, matched_topics: tuple[str, ...] = (), because: str | None = None
) -> Card:
    """Join a paper and its summary into a card (with why a digest chose it, if known)."""
    return Card(
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        authors=paper.authors,
        categories=paper.categories,
        published=paper.published,
        updated=paper.updated,
        version=paper.version,
        comment=paper.comment,
        tldr=summary.tldr,
        summary=summary.summary,
        takeaways=summary.takeaways,
        abstract=paper.abstract,
        language=summary.language,
        model=summary.model,
        url=paper.abs_url,
        pdf_url=paper.pdf_url,
        code_url=find_code_url(paper.abstract, paper.comment),
        translated_title=summary.translated_title,
        translated_abstract=summary.translated_abstract,
        fallback_reason=summary.fallback_reason,
        matched_topics=matched_topics,
        because=because,
        source=summary.source,
        source_reason=summary.source_reason,
        figure_label=summary.figure_label,
        figure_url=summary.figure_url,
        figure_caption=summary.figure_caption,
    )


def link_card(paper: Paper, language: str) -> Card:
    """A card carrying only what a link needs (papers beyond max_papers are not summarized)."""
    return build_card(paper, Summary(tldr="", summary="", takeaways=(), language=language, model="none"))


class CardMaker:
    """Paper id + language → card, through the paper and summary caches."""

    def __init__(self, papers: PaperSource, summaries: SummarySource) -> None:
        self._papers = papers
        self._summaries = summaries

    async def card(self, arxiv_id: str, language: str) -> Card:
        """The card for one paper; raises bot.arxiv.client.ArxivError subclasses on lookup failure."""
        paper = await self._papers.get(arxiv_id)
        return build_card(paper, await self._summaries.get(paper, language))
