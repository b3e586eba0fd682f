"""Which papers a chat's digest carries, and in what order: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.models import Paper


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper found for a chat, with every topic of the chat that matched it."""

    paper: Paper
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """The papers shown as cards (or rows), and the rest listed as links."""

    chosen: tuple[Candidate, ...]
    overflow: tuple[Candidate, ...]

    @property
    def empty(self) -> bool:
        """True when there is nothing new for the chat."""
        return not self.chosen and not self.overflow


def merge(found: Mapping[str, Sequence[Paper]]) -> list[Candidate]:
    """One candidate per paper, however many topics matched it (topics in the order given)."""
    papers: dict[str, Paper] = {}
    topics: dict[str, list[str]] = {}
    for topic, matched in found.items():
        for paper in matched:
            papers.setdefault(paper.arxiv_id, paper)
            if topic not in topics.setdefault(paper.arxiv_id, []):
                topics[paper.arxiv_id].append(topic)
    return [Candidate(papers[pid], tuple(topics[pid])) for pid in papers]


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Papers matching more of the chat's topics first, then the newest, then by id for stability."""
    return sorted(
        candidates, key=lambda c: (-len(c.topics), -c.paper.published.timestamp(), c.paper.arxiv_id)
    )


def plan_digest(found: Mapping[str, Sequence[Paper]], already: set[str], max_papers: int) -> Plan:
    """The chat's digest: new papers only (never one it already has), at most `max_papers` as cards."""
    fresh = [c for c in merge(found) if c.paper.arxiv_id not in already]
    ordered = rank(fresh)
    return Plan(tuple(ordered[:max_papers]), tuple(ordered[max_papers:]))
