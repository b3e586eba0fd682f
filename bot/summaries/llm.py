"""Summaries from any OpenAI-compatible chat-completions endpoint, with an extractive fallback."""

from __future__ import annotations

import asyncio
import json
import logging

import openai

from bot.core.metrics import Metrics
from bot.core.models import Paper, Summary
from bot.core.ports import TokenBudget
from bot.summaries.extractive import ExtractiveSummarizer
from bot.summaries.prompt import (
    PROMPT_VERSION,
    SchemaMismatchError,
    build_messages,
    needs_translation,
    parse_card_text,
    response_format,
)

log = logging.getLogger(__name__)


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
    ) -> None:
        self._client = client
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
        if self._budget is not None and await self._budget.exhausted():
            return self._fallback.build(
                paper, language, fallback_reason="the daily language-model budget is spent"
            )
        try:
            async with self._slots:
                return await self._ask(paper, language)
        except LlmFailureError as exc:
            log.warning("LLM summary of %s failed (%s); using extractive fallback", paper.arxiv_id, exc)
            return self._fallback.build(paper, language, fallback_reason=str(exc))

    async def _record(self, prompt: int, completion: int) -> None:
        if self._metrics is not None:
            self._metrics.llm_tokens.labels("prompt").inc(prompt)
            self._metrics.llm_tokens.labels("completion").inc(completion)
        if self._budget is not None:
            await self._budget.spend(prompt + completion)

    async def _ask(self, paper: Paper, language: str) -> Summary:
        if self._metrics is not None:
            self._metrics.llm_calls.inc()
        try:
            response = await self._client.chat.completions.create(
                model=self._model,
                messages=build_messages(paper, language),
                response_format=response_format(),
                temperature=0.2,
            )
        except openai.APITimeoutError as exc:
            raise LlmFailureError("the language model timed out") from exc
        except openai.RateLimitError as exc:
            raise LlmFailureError("the language model is rate-limited") from exc
        except openai.APIStatusError as exc:
            raise LlmFailureError(f"the language model answered HTTP {exc.status_code}") from exc
        except openai.APIError as exc:
            raise LlmFailureError("the language model could not be reached") from exc

        if response.usage is not None:
            await self._record(response.usage.prompt_tokens, response.usage.completion_tokens)
        if not response.choices:
            raise LlmFailureError("the language model returned no answer")
        message = response.choices[0].message
        if message.refusal:
            raise LlmFailureError("the language model refused")
        if not message.content:
            raise LlmFailureError("the language model returned no answer")
        try:
            text = parse_card_text(message.content, language)
        except json.JSONDecodeError as exc:
            raise LlmFailureError("the language model returned invalid JSON") from exc
        except SchemaMismatchError as exc:
            raise LlmFailureError("the language model's answer did not match the card format") from exc

        translate = needs_translation(language)
        return Summary(
            tldr=text.tldr,
            summary=text.summary,
            takeaways=tuple(text.takeaways),
            language=language,
            model=self._model,
            translated_title=text.translated_title if translate else None,
            translated_abstract=text.translated_abstract if translate else None,
        )
