"""Every Redis key the bot uses, named in one place under one configurable prefix.

The key strings are a public contract (docs/data-model.md): existing deployments' data must keep
reading back, so a change here needs a migration in bot.store.migrations.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.models import ChatRef


class Keys:
    """Builds every key from `REDIS_KEY_PREFIX`; `{…}` parts are Redis Cluster hash tags."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._subs = f"{prefix}{{subs}}:"  # one hash tag: subscription transactions stay in one slot

    # ----- papers and summaries ------------------------------------------------------------------
    def paper(self, arxiv_id: str) -> str:
        """JSON metadata of one paper."""
        return f"{self.prefix}paper:{arxiv_id}"

    def summary(self, arxiv_id: str, language: str, model: str, prompt_version: str) -> str:
        """JSON summary of one paper in one language by one model and prompt."""
        return f"{self.prefix}summary:{arxiv_id}:{language}:{model}:{prompt_version}"

    def fulltext(self, arxiv_id: str, version: int) -> str:
        """JSON full text read from one version's HTML page (or why there is none)."""
        return f"{self.prefix}fulltext:{arxiv_id}v{version}"

    @staticmethod
    def lock(key: str) -> str:
        """A short-lived lock guarding the computation of `key` across processes."""
        return f"{key}:lock"

    # ----- limits, pacing, budget ----------------------------------------------------------------
    def rate(self, action: str, who: str) -> str:
        """The times of `action` by `who` within the limit's sliding window."""
        return f"{self.prefix}rate:{action}:{who}"

    def pace(self, name: str) -> str:
        """The next free slot (ms) of a pacing key such as `chat:telegram:1`, `group:…`, `global`."""
        return f"{self.prefix}pace:{name}"

    def pace_hold(self, name: str) -> str:
        """A hold on a pacing key until a 429's retry_after has passed."""
        return f"{self.pace(name)}:hold"

    def llm_tokens(self, day: str) -> str:
        """Language-model tokens used on one UTC day (`YYYYMMDD`)."""
        return f"{self.prefix}llm:tokens:{day}"

    # ----- chats and subscriptions ---------------------------------------------------------------
    def chat(self, chat: ChatRef) -> str:
        """Hash of one chat's settings and state."""
        return f"{self._subs}chat:{chat.key()}"

    def chat_topics(self, chat: ChatRef) -> str:
        """Set of one chat's canonical topics."""
        return f"{self._subs}chat:{chat.key()}:topics"

    def chats(self) -> str:
        """Set of every stored chat."""
        return f"{self._subs}chats"

    def schema(self) -> str:
        """Schema version of the subscription data."""
        return f"{self._subs}schema"

    def legacy_topic_index_pattern(self) -> str:
        """SCAN pattern of the reverse topic → chats index that schema 1 kept (removed by schema 2)."""
        return f"{self._subs}topic:*"

    # ----- digests and delivery ------------------------------------------------------------------
    def ledger(self, chat: ChatRef) -> str:
        """The chat's delivery ledger (its own hash tag, so each chat's ledger may live on any node)."""
        return f"{self.prefix}{{chat:{chat.key()}}}:ledger"

    def round(self, chat: ChatRef) -> str:
        """The chat's round bookkeeping: last completed day, last success, retry time."""
        return f"{self.prefix}{{chat:{chat.key()}}}:round"

    def round_lock(self, chat: ChatRef) -> str:
        """The chat's planning lock (a fencing token)."""
        return f"{self.round(chat)}:lock"

    def seeds(self, chat: ChatRef) -> str:
        """The chat's seed papers: paper id → `1|at` (liked) or `-1|at` (disliked)."""
        return f"{self.prefix}{{chat:{chat.key()}}}:seeds"

    def votes(self, chat: ChatRef) -> str:
        """Members' votes on the chat's digest cards: `paper|user` → `1|at` or `-1|at`."""
        return f"{self.prefix}{{chat:{chat.key()}}}:votes"

    def tally(self, chat: ChatRef) -> str:
        """Votes per paper in the chat: paper id → `up|down|last vote at`."""
        return f"{self.prefix}{{chat:{chat.key()}}}:tally"

    def vector(self, model: str, arxiv_id: str) -> str:
        """A paper's vector in one model (JSON), computed once for every chat."""
        return f"{self.prefix}vector:{model}:{arxiv_id}"

    def deliveries(self) -> str:
        """The delivery stream shared by every worker."""
        return f"{self.prefix}{{deliveries}}:stream"

    # ----- the announcement archive (one hash tag: its scripts touch several keys) -----------------
    def _archive(self, rest: str) -> str:
        return f"{self.prefix}{{archive}}:{rest}"

    def archive_seq(self) -> str:
        """The sequence numbering every paper archived (a chat's cursor is a value of it)."""
        return self._archive("seq")

    def archive_papers(self, category: str) -> str:
        """Papers archived for a category: paper id → its sequence number (a sorted set)."""
        return self._archive(f"cat:{category}")

    def archive_dates(self, category: str) -> str:
        """Paper id → `listing day|source` (feed or backfill) for a category."""
        return self._archive(f"cat:{category}:dates")

    def archive_days(self, category: str) -> str:
        """Listing day → what the archive holds for it (source, count, v1 submission span)."""
        return self._archive(f"days:{category}")

    def archive_categories(self) -> str:
        """Every category with archived papers (for housekeeping)."""
        return self._archive("categories")

    def archive_polls(self) -> str:
        """Category → when its feed was last checked and which listing day it showed."""
        return self._archive("polls")

    def archive_validators(self) -> str:
        """Feed URL → the ETag and Last-Modified of its last answer (conditional requests)."""
        return self._archive("validators")

    def archive_gaps(self) -> str:
        """Category → listing days missed, still to back-fill from the API."""
        return self._archive("gaps")

    def archive_lock(self) -> str:
        """The lock that makes one process poll at a time."""
        return self._archive("lock")

    def found_search(self, query: str, since: datetime) -> str:
        """Paper ids a keyword search found since an hour."""
        return f"{self.prefix}found:search:{since:%Y%m%d%H}:{query}"
