"""Prometheus metrics (served on METRICS_PORT when it is set)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server


@dataclass
class Metrics:
    """The bot's counters, in a registry of their own."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.papers_found = Counter("arxivbot_papers_found", "Papers found for planned rounds", registry=r)
        self.papers_planned = Counter("arxivbot_papers_planned", "Papers planned into digests", registry=r)
        self.fetch_failures = Counter(
            "arxivbot_fetch_failures", "arXiv feed or API fetches that failed", registry=r
        )
        self.llm_calls = Counter("arxivbot_llm_calls", "Requests to the language model", registry=r)
        self.llm_tokens = Counter(
            "arxivbot_llm_tokens", "Tokens used by the language model", ["kind"], registry=r
        )
        self.messages = Counter("arxivbot_messages", "Digest messages by outcome", ["outcome"], registry=r)
        self.rate_limited = Counter("arxivbot_rate_limited", "429 answers from the chat platform", registry=r)
        self.polls = Counter(
            "arxivbot_feed_polls",
            "Feed requests by result (fetched, not_modified, failed)",
            ["result"],
            registry=r,
        )
        self.archived = Counter(
            "arxivbot_papers_archived",
            "Announcements archived, by source (feed, backfill)",
            ["source"],
            registry=r,
        )
        self.vectors = Counter("arxivbot_vectors", "Paper vectors computed, by model", ["model"], registry=r)
        self.embedding_fallbacks = Counter(
            "arxivbot_embedding_fallbacks", "Rankings that fell back to the lexical model", registry=r
        )
        self.backfilled_days = Counter(
            "arxivbot_backfilled_days", "Listing days recovered from the API after a gap", registry=r
        )

        self.fulltext_fetches = Counter(
            "arxivbot_fulltext_fetches",
            "HTML full-text fetches by result (full_text, no_html, unavailable, unreadable)",
            ["result"],
            registry=r,
        )
        self.card_sources = Counter(
            "arxivbot_card_sources",
            "Model-written summaries by source (full_text, abstract)",
            ["source"],
            registry=r,
        )
        self.unsupported_numbers = Counter(
            "arxivbot_unsupported_numbers",
            "Model text with numbers absent from the source, by field and action "
            "(takeaway dropped, field regenerated, field replaced by extractive text)",
            ["field", "action"],
            registry=r,
        )

        self.bad_chat_records = Counter(
            "arxivbot_bad_chat_records",
            "Chats skipped because their stored data could not be used, by stage (schedule, plan)",
            ["stage"],
            registry=r,
        )

        self.llm_budget = Gauge(
            "arxivbot_llm_daily_token_budget",
            "LLM_DAILY_TOKEN_BUDGET: tokens the model may use per UTC day (0: no limit)",
            registry=r,
        )
        self.llm_tokens_today = Gauge(
            "arxivbot_llm_tokens_today",
            "Tokens all processes spent on the model this UTC day, as of this process's last request",
            registry=r,
        )

    def serve(self, port: int) -> None:
        """Expose /metrics on `port` (a daemon thread)."""
        start_http_server(port, registry=self.registry)
