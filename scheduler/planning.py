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
    """The papers shown as cards (or rows), and the rest listed as links; `below`: how many of those
    links scored under the chat's min_score (they would otherwise have been cards)."""

    chosen: tuple[Candidate, ...]
    overflow: tuple[Candidate, ...]
    below: int = 0

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


def fresh_candidates(found: Mapping[str, Sequence[Paper]], already: set[str]) -> list[Candidate]:
    """One candidate per paper the chat does not have yet."""
    return [c for c in merge(found) if c.paper.arxiv_id not in already]


def rank_by_score(candidates: Sequence[Candidate], scores: Mapping[str, float]) -> list[Candidate]:
    """The best scores first (then more topics, newest, id), as a chat's profile scored them."""
    return sorted(
        candidates,
        key=lambda c: (
            -scores.get(c.paper.arxiv_id, 0.0),
            -len(c.topics),
            -c.paper.published.timestamp(),
            c.paper.arxiv_id,
        ),
    )


def plan_digest(
    found: Mapping[str, Sequence[Paper]],
    already: set[str],
    max_papers: int,
    scores: Mapping[str, float] | None = None,
    min_score: float | None = None,
) -> Plan:
    """The chat's digest: new papers only (never one it already has), at most `max_papers` as cards.

    With `scores` (the chat's profile), cards and links follow them; with `min_score` too, papers
    scoring under it are listed as links instead of filling the cards on a weak day.
    """
    fresh = fresh_candidates(found, already)
    ordered = rank_by_score(fresh, scores) if scores is not None else rank(fresh)
    chosen, overflow = ordered[:max_papers], ordered[max_papers:]
    if scores is None or min_score is None:
        return Plan(tuple(chosen), tuple(overflow))
    strong = [c for c in chosen if scores.get(c.paper.arxiv_id, 0.0) >= min_score]
    weak = chosen[len(strong) :]  # sorted by score: the weak ones are the last of the chosen
    return Plan(tuple(strong), tuple(weak + overflow), below=len(weak))
