"""Summaries from any OpenAI-compatible chat-completions endpoint, with an extractive fallback.

The model reads the paper's full text when arXiv has an HTML version (cut to LLM_MAX_INPUT_TOKENS),
else its abstract; every number it writes is checked against what it read.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, replace

import openai
from openai.types.chat import ChatCompletionMessageParam

from bot.core.fulltext import Absent, FullText, FullTextResult
from bot.core.i18n import N_
from bot.core.metrics import Metrics
from bot.core.models import Paper, Summary
from bot.core.ports import FullTextSource, TokenBudget
from bot.summaries.extractive import ExtractiveSummarizer
from bot.summaries.numbers import source_numbers, unsupported
from bot.summaries.prompt import (
    PROMPT_VERSION,
    CardText,
    SchemaMismatchError,
    build_messages,
    needs_translation,
    parse_card_text,
    response_format,
    revision_messages,
    source_text,
)
from bot.summaries.selection import Excerpt, estimate_tokens, select

log = logging.getLogger(__name__)

DEFAULT_MAX_INPUT_TOKENS = 6000
COMPLETION_ALLOWANCE = 1500  # tokens a card's answer takes (more with a translated abstract)
MIN_EXCERPT_TOKENS = 500  # below this, the full text adds too little to be worth sending


class LlmFailureError(Exception):
    """The model gave no usable answer; the message is the short reason shown on the card."""


class LlmSummarizer:
    """Asks the model for a structured card; on any failure returns a labelled extractive summary."""

    prompt_version = PROMPT_VERSION

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        max_concurrency: int = 4,
        *,
        budget: TokenBudget | None = None,
        metrics: Metrics | None = None,
        fulltext: FullTextSource | None = None,
        max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS,
        card_timeout: float | None = None,
    ) -> None:
        self._client = client
        self._card_timeout = card_timeout
        self._fulltext = fulltext
        self._max_input = max_input_tokens
        self._model = model
        self._fallback = ExtractiveSummarizer()
        self._slots = asyncio.Semaphore(max_concurrency)
        self._budget = budget
        self._metrics = metrics

    @property
    def model(self) -> str:
        """The configured model name, recorded on every card."""
        return self._model

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    async def summarize(self, paper: Paper, language: str) -> Summary:
        """Summarize with the model, falling back to the abstract's sentences on any failure."""
        if not paper.abstract.strip():  # nothing to read but a title: the model would only make things up
            return self._fallback.build(paper, language, fallback_reason=N_("arXiv lists no abstract for it"))
        if self._budget is not None and await self._budget.exhausted():
            return self._fallback.build(
                paper, language, fallback_reason=N_("the daily language-model budget is spent")
            )
        document = await self._document(paper)
        try:
            async with self._slots:
                return await self._ask_in_time(paper, language, document)
        except LlmFailureError as exc:
            log.warning("LLM summary of %s failed (%s); using extractive fallback", paper.arxiv_id, exc)
            summary = self._fallback.build(paper, language, fallback_reason=str(exc))
            return _with_figure(summary, document, None)

    async def _ask_in_time(self, paper: Paper, language: str, document: FullTextResult) -> Summary:
        """`_ask` within LLM_CARD_TIMEOUT_SECONDS in all: the client's timeout and retries bound each
        request, this bounds the card (retries, back-offs and a follow-up request together)."""
        try:
            async with asyncio.timeout(self._card_timeout):
                return await self._ask(paper, language, document)
        except TimeoutError as exc:
            raise LlmFailureError(N_("the language model took too long")) from exc

    async def _document(self, paper: Paper) -> FullTextResult:
        """The full text to read, unless there is none or the day's budget cannot afford it."""
        if self._fulltext is None or not paper.abstract.strip():
            return Absent("no_html")
        if self._budget is not None:
            left = await self._budget.remaining()
            if left is not None and left < self._max_input + COMPLETION_ALLOWANCE:
                return Absent("budget")  # degrade to the abstract before the budget is spent
        return await self._fulltext.get(paper)

    def _excerpt(self, paper: Paper, language: str, document: FullTextResult) -> Excerpt | None:
        """What the model reads of the full text: as much as fits LLM_MAX_INPUT_TOKENS with the prompt."""
        if not isinstance(document, FullText):
            return None
        overhead = _prompt_tokens(build_messages(paper, language))
        room = self._max_input - overhead
        for _attempt in range(3):  # the JSON around the text costs a little more than the text itself
            if room < MIN_EXCERPT_TOKENS:
                return None
            excerpt = select(document, room)
            excess = _prompt_tokens(build_messages(paper, language, excerpt)) - self._max_input
            if excess <= 0:
                return excerpt
            room -= excess + 20
        return None

    async def _record(self, prompt: int, completion: int) -> None:
        if self._metrics is not None:
            self._metrics.llm_tokens.labels("prompt").inc(prompt)
            self._metrics.llm_tokens.labels("completion").inc(completion)
        if self._budget is not None:
            today = await self._budget.spend(prompt + completion)
            if self._metrics is not None:
                self._metrics.llm_tokens_today.set(today)

    async def _call(self, messages: list[ChatCompletionMessageParam], language: str) -> tuple[str, CardText]:
        """One request; the raw answer and its validated card text, or LlmFailureError."""
        if self._metrics is not None:
            self._metrics.llm_calls.inc()
        try:
            response = await self._client.chat.completions.create(
                model=self._model, messages=messages, response_format=response_format(), temperature=0.2
            )
        except openai.APITimeoutError as exc:
            raise LlmFailureError(N_("the language model timed out")) from exc
        except openai.RateLimitError as exc:
            raise LlmFailureError(N_("the language model is rate-limited")) from exc
        except openai.APIStatusError as exc:
            # Stored on the card in English (the cache is shared by languages); translated when shown.
            raise LlmFailureError(f"the language model answered HTTP {exc.status_code}") from exc
        except openai.APIError as exc:
            raise LlmFailureError(N_("the language model could not be reached")) from exc

        if response.usage is not None:
            await self._record(response.usage.prompt_tokens, response.usage.completion_tokens)
        if not response.choices:
            raise LlmFailureError(N_("the language model returned no answer"))
        message = response.choices[0].message
        if message.refusal:
            raise LlmFailureError(N_("the language model refused"))
        if not message.content:
            raise LlmFailureError(N_("the language model returned no answer"))
        try:
            return message.content, parse_card_text(message.content, language)
        except json.JSONDecodeError as exc:
            raise LlmFailureError(N_("the language model returned invalid JSON")) from exc
        except SchemaMismatchError as exc:
            raise LlmFailureError(N_("the language model's answer did not match the card format")) from exc

    async def _ask(self, paper: Paper, language: str, document: FullTextResult) -> Summary:
        excerpt = self._excerpt(paper, language, document)
        messages = build_messages(paper, language, excerpt)
        answer, text = await self._call(messages, language)
        checked = await self._checked(
            paper, language, excerpt=excerpt, messages=messages, answer=(answer, text)
        )
        source = "full_text" if excerpt is not None else "abstract"
        if self._metrics is not None:
            self._metrics.card_sources.labels(source).inc()
        translate = needs_translation(language)
        summary = Summary(
            tldr=checked.tldr,
            summary=checked.summary,
            takeaways=checked.takeaways,
            language=language,
            model=self._model,
            translated_title=text.translated_title if translate else None,
            translated_abstract=text.translated_abstract if translate else None,
            source=source,
            source_reason=document.reason if isinstance(document, Absent) else None,
        )
        return _with_figure(summary, document, checked.key_figure)

    async def _checked(
        self,
        paper: Paper,
        language: str,
        *,
        excerpt: Excerpt | None,
        messages: list[ChatCompletionMessageParam],
        answer: tuple[str, CardText],
    ) -> Checked:
        """The card text with every number traceable to the source: asked again once, else replaced."""
        raw, text = answer
        supported = source_numbers(source_text(paper, excerpt))
        bad = {f: unsupported(getattr(text, f), supported) for f in ("tldr", "summary")}
        if any(bad.values()):
            fields = [f for f, numbers in bad.items() if numbers]
            numbers = [n for f in fields for n in bad[f]]
            log.warning(
                "Summary of %s has numbers not in its source (%s: %s); asking the model again",
                paper.arxiv_id,
                ", ".join(fields),
                ", ".join(numbers),
            )
            for field in fields:
                self._count(field, "regenerated")
            try:
                _answer, text = await self._call(revision_messages(messages, raw, fields, numbers), language)
            except LlmFailureError as exc:
                log.warning("Asking again for %s failed (%s)", paper.arxiv_id, exc)
        fallback = self._fallback.build(paper, language)
        tldr, summary = text.tldr, text.summary
        if unsupported(tldr, supported):
            self._count("tldr", "replaced")
            log.warning("TL;DR of %s still has unsupported numbers; using the abstract's", paper.arxiv_id)
            tldr = fallback.tldr
        if unsupported(summary, supported):
            self._count("summary", "replaced")
            log.warning("Summary of %s still has unsupported numbers; using the abstract's", paper.arxiv_id)
            summary = fallback.summary
        takeaways = tuple(t for t in text.takeaways if not unsupported(t, supported))
        if len(takeaways) < len(text.takeaways):
            dropped = len(text.takeaways) - len(takeaways)
            self._count("takeaway", "dropped", dropped)
            log.warning(
                "Dropped %d takeaway(s) of %s with numbers not in its source", dropped, paper.arxiv_id
            )
        return Checked(tldr, summary, takeaways, text.key_figure)

    def _count(self, field: str, action: str, amount: int = 1) -> None:
        if self._metrics is not None:
            self._metrics.unsupported_numbers.labels(field, action).inc(amount)


def _prompt_tokens(messages: list[ChatCompletionMessageParam]) -> int:
    """Estimated prompt tokens of a request (4 per message for the chat format around it)."""
    return sum(estimate_tokens(str(m.get("content"))) + 4 for m in messages)


@dataclass(frozen=True, slots=True)
class Checked:
    """A card's text after the number check."""

    tldr: str
    summary: str
    takeaways: tuple[str, ...]
    key_figure: str | None


def _with_figure(summary: Summary, document: FullTextResult, label: str | None) -> Summary:
    """The summary with the paper's key figure (the one the model named, else the first), if any."""
    if not isinstance(document, FullText):
        return summary
    figure = document.figure(label)
    if figure is None:
        return summary
    return replace(summary, figure_label=figure.label, figure_url=figure.url, figure_caption=figure.caption)
