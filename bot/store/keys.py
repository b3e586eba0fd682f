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

    @staticmethod
    def lock(key: str) -> str:
        """A short-lived lock guarding the computation of `key` across processes."""
        return f"{key}:lock"

    # ----- limits, pacing, budget ----------------------------------------------------------------
    def rate(self, action: str, who: str, window: int) -> str:
        """A counter of `action` by `who` in one fixed time window."""
        return f"{self.prefix}rate:{action}:{who}:{window}"

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

    def deliveries(self) -> str:
        """The delivery stream shared by every worker."""
        return f"{self.prefix}{{deliveries}}:stream"

    def found_feed(self, category: str) -> str:
        """Paper ids of a category's current announcement listing."""
        return f"{self.prefix}found:feed:{category}"

    def found_failed(self, category: str) -> str:
        """A feed fetch that just failed, so it is not asked again at once."""
        return f"{self.prefix}found:failed:{category}"

    def found_search(self, query: str, since: datetime) -> str:
        """Paper ids a keyword search found since an hour."""
        return f"{self.prefix}found:search:{since:%Y%m%d%H}:{query}"
