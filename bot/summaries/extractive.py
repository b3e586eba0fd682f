"""A summary made only of sentences from the abstract: honest, free, and always available."""

from __future__ import annotations

import re

from bot.core.models import EXTRACTIVE_MODEL, Paper, Summary
from bot.core.text import shorten

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "cf.", "Fig.", "Eq.", "Sec.", "approx.")
_FINDING_WORDS = re.compile(
    r"\b(we (?:propose|present|introduce|show|find|demonstrate|achieve|release)|results?|outperform\w*|"
    r"improv\w+|state-of-the-art|code|available|accuracy|faster|speedup|reduc\w+)\b",
    re.IGNORECASE,
)

_CONTRIBUTION = re.compile(
    r"\b(we (?:propose|present|introduce|develop|study|investigate|show)|this (?:paper|work|study)|"
    r"in this (?:paper|work))\b",
    re.IGNORECASE,
)

MAX_TLDR = 280
MAX_SUMMARY = 900
MAX_TAKEAWAYS = 5


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping common abbreviations intact."""
    pieces = _SENTENCE_END.split(" ".join(text.split()))
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].endswith(_ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s for s in sentences if s]


class ExtractiveSummarizer:
    """Builds TL;DR, summary and takeaways from the abstract's own sentences."""

    model = EXTRACTIVE_MODEL
    prompt_version = "x1"

    async def summarize(self, paper: Paper, language: str) -> Summary:
        """Summarize without a model; the text stays in the abstract's language."""
        return self.build(paper, language)

    def build(self, paper: Paper, language: str, fallback_reason: str | None = None) -> Summary:
        """Synchronous core, also used as the fallback when a model fails."""
        if not paper.abstract.strip():  # a title-only card: nothing is repeated to fill the sections
            return Summary(
                tldr=shorten(paper.title, MAX_TLDR),
                summary="",
                takeaways=(),
                language=language,
                model=EXTRACTIVE_MODEL,
                fallback_reason=fallback_reason,
            )
        sentences = split_sentences(paper.abstract)
        # The TL;DR is the sentence that says what the paper does; the summary is the context around it.
        lead = next((s for s in sentences if _CONTRIBUTION.search(s)), sentences[0])
        rest = [s for s in sentences if s is not lead]
        summary_sentences = rest[:3] or [lead]
        leftover = rest[3:]
        findings = [s for s in leftover if _FINDING_WORDS.search(s)]
        chosen = findings if len(findings) >= 2 else leftover or summary_sentences
        takeaways = tuple(shorten(s, 300) for s in chosen[:MAX_TAKEAWAYS])
        return Summary(
            tldr=shorten(lead, MAX_TLDR),
            summary=shorten(" ".join(summary_sentences), MAX_SUMMARY),
            takeaways=takeaways,
            language=language,
            model=EXTRACTIVE_MODEL,
            fallback_reason=fallback_reason,
        )
