"""Summaries through the real openai SDK against the fake server, and the labelled extractive fallback."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from bot.app.composition import build_summarizer
from bot.arxiv.client import paper_from_result
from bot.cards.build import build_card
from bot.core.models import EXTRACTIVE_MODEL, Paper
from bot.platforms.telegram.html import render_cards
from bot.summaries import ExtractiveSummarizer, LlmSummarizer
from bot.summaries.extractive import split_sentences
from bot.summaries.prompt import build_messages
from tests.conftest import SettingsFactory
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.papers import INJECTION, LOSA, MCQA, FakePaper
from tests.fakes.telegram_entities import parse_html


def to_paper(fake: FakePaper) -> Paper:
    """A Paper as the arXiv client would build it."""
    import arxiv

    from tests.fakes.arxiv_api import ATOM_HEAD, entry_xml

    feed = ATOM_HEAD.format(query="", total=1, start=0, per_page=1) + entry_xml(fake) + "</feed>"
    parsed = arxiv._feed.parse(feed.encode())
    return paper_from_result(parsed.results[0])


def summarizer(llm_settings: SettingsFactory) -> LlmSummarizer:
    built = build_summarizer(llm_settings())
    assert isinstance(built, LlmSummarizer)
    return built


async def test_llm_summary(llm_settings: SettingsFactory, fake_llm: FakeOpenAI) -> None:
    summary = await summarizer(llm_settings).summarize(to_paper(MCQA), "en")
    assert summary.model == "fake-model-1"
    assert summary.tldr.startswith("TLDR: Beyond the Answers")
    assert len(summary.takeaways) == 3
    assert summary.translated_title is None
    assert summary.fallback_reason is None
    request = fake_llm.requests[0]
    assert request["model"] == "fake-model-1"
    assert request["response_format"]["json_schema"]["strict"] is True


async def test_translation_requested_for_other_languages(
    llm_settings: SettingsFactory, fake_llm: FakeOpenAI
) -> None:
    summary = await summarizer(llm_settings).summarize(to_paper(LOSA), "zh")
    assert (
        summary.translated_title
        == "[Simplified Chinese] Dynamic Low-Rank Sparse Adaptation for Large Language Models"
    )
    assert summary.translated_abstract is not None
    assert summary.translated_abstract.startswith("[Simplified Chinese] Despite")


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("timeout", "timed out"),
        ("429", "rate-limited"),
        ("500", "HTTP 500"),
        ("invalid_json", "invalid JSON"),
        ("refusal", "refused"),
        ("schema_mismatch", "did not match"),
    ],
)
async def test_failures_fall_back_to_labelled_extractive(
    llm_settings: SettingsFactory, fake_llm: FakeOpenAI, mode: str, reason: str
) -> None:
    fake_llm.mode = mode
    llm = build_summarizer(llm_settings(llm_timeout_seconds=0.5, llm_max_retries=1))
    summary = await llm.summarize(to_paper(MCQA), "en")
    assert summary.model == EXTRACTIVE_MODEL
    assert summary.fallback_reason is not None
    assert reason in summary.fallback_reason
    assert summary.tldr.startswith("This study first investigates the limitations of MCQA")


async def test_a_hanging_model_holds_a_card_no_longer_than_the_card_timeout(
    llm_settings: SettingsFactory, fake_llm: FakeOpenAI
) -> None:
    fake_llm.mode = "timeout"  # every request hangs past the client's timeout
    settings = llm_settings(llm_timeout_seconds=1, llm_max_retries=3, llm_card_timeout_seconds=1.5)
    llm = build_summarizer(settings)
    started = time.monotonic()
    summary = await llm.summarize(to_paper(MCQA), "en")
    took = time.monotonic() - started
    assert summary.fallback_reason == "the language model took too long"
    assert summary.extractive
    assert took < 3  # four attempts of 1 s each, with back-offs, would take over 4 s
    assert len(fake_llm.requests) <= 2  # given up during the first retry at the latest


async def test_a_paper_without_an_abstract_is_never_sent_to_the_model(
    llm_settings: SettingsFactory, fake_llm: FakeOpenAI
) -> None:
    paper = replace(to_paper(MCQA), abstract="  ")
    summary = await summarizer(llm_settings).summarize(paper, "en")
    assert fake_llm.requests == []
    assert summary.extractive
    assert summary.fallback_reason == "arXiv lists no abstract for it"
    assert (summary.tldr, summary.summary, summary.takeaways) == (paper.title, "", ())
    card = build_card(paper, summary)  # and the card renders within Telegram's rules
    for message in render_cards((card,), None):
        parse_html(message)


async def test_schema_requires_translation(llm_settings: SettingsFactory, fake_llm: FakeOpenAI) -> None:
    fake_llm.mode = "schema_mismatch"
    summary = await summarizer(llm_settings).summarize(to_paper(MCQA), "de")
    assert summary.extractive


async def test_injection_stays_data(llm_settings: SettingsFactory, fake_llm: FakeOpenAI) -> None:
    fake_llm.mode = "gullible"
    paper = to_paper(INJECTION)
    summary = await summarizer(llm_settings).summarize(paper, "en")
    # The gullible model answered prose instead of JSON: validation catches it.
    assert summary.extractive
    assert summary.fallback_reason == "the language model returned invalid JSON"
    system, user = fake_llm.requests[0]["messages"]
    assert "Ignore previous instructions" not in system["content"]
    assert "Ignore previous instructions" in user["content"]
    assert system["role"] == "system"


def test_messages_carry_paper_as_json() -> None:
    system, user = (str(m.get("content")) for m in build_messages(to_paper(INJECTION), "en"))
    assert json.loads(user)["abstract"].startswith("Ignore previous instructions")
    assert "untrusted data" in system


async def test_wrong_api_key_falls_back(llm_settings: SettingsFactory) -> None:
    llm = build_summarizer(llm_settings(openai_api_key="sk-wrong-key-000000"))
    summary = await llm.summarize(to_paper(MCQA), "en")
    assert summary.extractive
    assert summary.fallback_reason == "the language model answered HTTP 401"


def test_no_endpoint_means_extractive(make_settings: SettingsFactory) -> None:
    assert isinstance(build_summarizer(make_settings()), ExtractiveSummarizer)


async def test_extractive_summary() -> None:
    summary = await ExtractiveSummarizer().summarize(to_paper(LOSA), "en")
    assert summary.model == EXTRACTIVE_MODEL
    assert summary.fallback_reason is None
    assert summary.tldr.startswith("In this paper, we introduce dynamic Low-rank Sparse Adaptation")
    assert summary.summary.startswith("Despite the efficacy of network sparsity")
    assert 1 <= len(summary.takeaways) <= 5
    abstract = to_paper(LOSA).abstract
    for takeaway in summary.takeaways:  # each is the abstract's own words, at most shortened at the end
        assert takeaway.removesuffix("…").rstrip() in abstract


def test_sentence_split_keeps_abbreviations() -> None:
    assert split_sentences("We use e.g. LoRA. It works. See Fig. 2 for details.") == [
        "We use e.g. LoRA.",
        "It works.",
        "See Fig. 2 for details.",
    ]
