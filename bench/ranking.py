"""Benchmark relevance: how well a chat's profile orders its digest, and how fast it ranks at scale.

Quality: a labelled set from real arXiv metadata — the 44 papers of ../shared/examples/daily-digest-table.md
(titles) and the 9 of daily-page-chatpaperfree.txt (titles and abstracts), each given a sub-area by hand
(LABELS below; 13 fit none). Simulated readers each like one sub-area: on "day 1" (half the papers, at
random) a reader votes 👍 on up to three papers of their area and 👎 on two of another; on "day 2" (the
other half) we score the order the bot would give against "topics, then newest" (all papers share the
topic, so: newest first). Precision@10 and nDCG@10, averaged over readers and 50 random day splits.

Speed: 10,000 chats, each with a profile of 5 papers, ranking the same 300 candidates.

    python -m bench.ranking
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bot.core.models import Paper
from bot.relevance.lexical import LexicalModel
from bot.relevance.ranking import Signal, Space, score, similarities
from bot.relevance.vectors import Vector

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "examples"
LABELS: dict[str, list[int | str]] = {  # table row numbers, or the start of a title on the English page
    "efficiency": [2, 8, 9, 12, 15, 16, 29, 30, "Dynamic Low-Rank"],
    "retrieval": [3, 20, 21, 40, 43, "Retrieving Versus"],
    "safety": [11, 14, 18, 26, 39, "RIDE"],
    "dialogue and agents": [19, 23, 25, 28, 32, 41, 42],
    "interpretability": [4, 13, 17, 35, 38, "Revisiting In-context"],
    "few-shot learning": [7, 33, 37, "Asymmetric Co-Training", "Dual-level Mixup", "A Similarity Paradigm"],
}
SPLITS = 50


@dataclass(frozen=True)
class Labelled:
    """A paper and its sub-area (None: none of the labelled ones)."""

    paper: Paper
    area: str | None


def load() -> list[Labelled]:
    """The labelled set, read from the example pages."""
    table = (EXAMPLES / "daily-digest-table.md").read_text()
    found: list[tuple[int | str, Paper]] = []
    pattern = r"^\| \[\^(\d+)\] \| \[(.+?)\]\(https?://[a-z.]*arxiv\.org/abs/([0-9.]+)\)"
    for match in re.finditer(pattern, table, re.MULTILINE):
        number, title, arxiv_id = int(match[1]), match[2].rstrip("."), match[3]
        year, month = int(arxiv_id[:2]), int(arxiv_id[2:4])
        # Newer ids are newer submissions: the month, then the number within it.
        order = datetime(2000 + year, month, 1, tzinfo=UTC) + timedelta(seconds=int(arxiv_id.split(".")[1]))
        found.append((number, Paper(arxiv_id, 1, title, (), "", ("cs.CL",), "cs.CL", order, order)))
    page = (EXAMPLES / "daily-page-chatpaperfree.txt").read_text().splitlines()
    for index, line in enumerate(page):
        if line.startswith("Authors:"):
            title, abstract = page[index - 1].strip(), page[index + 1].strip()
            when = datetime(2025, 2, 21, tzinfo=UTC)
            found.append(
                (title, Paper(f"page-{index}", 1, title, (), abstract, ("cs.CL",), "cs.CL", when, when))
            )

    def area(key: int | str, paper: Paper) -> str | None:
        for name, members in LABELS.items():
            for member in members:
                if member == key or (isinstance(member, str) and paper.title.startswith(member)):
                    return name
        return None

    return [Labelled(paper, area(key, paper)) for key, paper in found]


def metrics(order: list[Labelled], area: str) -> tuple[float, float]:
    """Precision@10 and nDCG@10 of an order for a reader of `area`."""
    gains = [1.0 if item.area == area else 0.0 for item in order[:10]]
    relevant = sum(1 for item in order if item.area == area)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, relevant)))
    return sum(gains) / 10, (dcg / ideal if ideal else 0.0)


@dataclass(frozen=True)
class Model:
    """A way of comparing papers: vectors, and how rankers weigh them."""

    name: str
    vectors: dict[str, Vector]
    weighting: str


def evaluate(items: list[Labelled], model: Model | None) -> tuple[float, float]:
    """Mean P@10 and nDCG@10 over readers and splits (None: the default order)."""
    areas = list(LABELS)
    results = []
    for split in range(SPLITS):
        rng = random.Random(split)
        shuffled = items[:]
        rng.shuffle(shuffled)
        day_one, day_two = shuffled[: len(items) // 2], shuffled[len(items) // 2 :]
        newest = sorted(day_two, key=lambda item: -item.paper.published.timestamp())
        for k, area in enumerate(areas):
            liked = [i.paper for i in day_one if i.area == area][:3]
            other = areas[(k + 1) % len(areas)]
            disliked = [i.paper for i in day_one if i.area == other][:2]
            if not liked or not any(i.area == area for i in day_two):
                continue
            if model is None:
                results.append(metrics(newest, area))
                continue
            signals = [Signal(p.arxiv_id, 1.0) for p in liked] + [Signal(p.arxiv_id, -1.0) for p in disliked]
            sims = similarities(
                [model.vectors[i.paper.arxiv_id] for i in newest],
                [model.vectors[s.paper_id] for s in signals],
                model.weighting,
            )
            scores = score(sims, signals, [1] * len(newest)).score
            order = [newest[i] for i in sorted(range(len(newest)), key=lambda i: (-scores[i], i))]
            results.append(metrics(order, area))
    return float(np.mean([r[0] for r in results])), float(np.mean([r[1] for r in results]))


def synthetic(items: list[Labelled], count: int, seed: int) -> list[Paper]:
    """Papers made of the labelled set's title words, as many as a busy category announces."""
    rng = random.Random(seed)
    words = " ".join(i.paper.title for i in items).split()
    now = datetime.now(UTC)

    def made(n: int) -> Paper:
        title, abstract = " ".join(rng.choices(words, k=12)), " ".join(rng.choices(words, k=120))
        return Paper(f"c{n}", 1, title, (), abstract, ("cs.CL",), "cs.CL", now, now)

    return [made(n) for n in range(count)]


def speed(model: LexicalModel, items: list[Labelled], chats: int = 10_000, candidates: int = 300) -> float:
    """Seconds to rank `candidates` papers for `chats` chats with 5-paper profiles, profiles batched."""
    rng = random.Random(1)
    vectors = model.vectors(synthetic(items, candidates + 500, seed=1))
    candidate_vectors, profile_pool = vectors[:candidates], vectors[candidates:]
    profiles = [rng.sample(range(len(profile_pool)), 5) for _ in range(chats)]
    topics = [1] * candidates
    started = time.perf_counter()
    space = Space(candidate_vectors, model.weighting)  # once: the chats follow the same category
    every = space.similarities(profile_pool)  # every profile paper once; each chat takes its columns
    for picked in profiles:
        signals = [Signal(f"p{i}", 1.0 if n < 3 else -1.0) for n, i in enumerate(picked)]
        score(every[:, picked], signals, topics)
    return time.perf_counter() - started


def speed_one_by_one(model: LexicalModel, items: list[Labelled], chats: int = 1_000) -> float:
    """Seconds per chat when each chat is ranked on its own (as a round does it)."""
    rng = random.Random(2)
    vectors = model.vectors(synthetic(items, 800, seed=2))
    space = Space(vectors[:300], model.weighting)
    started = time.perf_counter()
    for _ in range(chats):
        picked = rng.sample(range(300, 800), 5)
        signals = [Signal(f"p{i}", 1.0) for i in picked]
        score(space.similarities([vectors[i] for i in picked]), signals, [1] * 300)
    return (time.perf_counter() - started) / chats


def main() -> None:
    """Print the table."""
    if not EXAMPLES.exists():
        raise SystemExit(f"the example pages are not at {EXAMPLES}")
    items = load()
    lexical = LexicalModel()
    vectors = dict(
        zip((i.paper.arxiv_id for i in items), lexical.vectors([i.paper for i in items]), strict=True)
    )
    labelled = sum(1 for i in items if i.area)
    print(f"{len(items)} real papers, {labelled} labelled in {len(LABELS)} sub-areas; {SPLITS} random splits")
    print()
    print("| order | precision@10 | nDCG@10 |")
    print("|---|---|---|")
    rows = [
        ("topics, then newest (default)", None),
        ("lexical-v1, IDF over the day's candidates (shipped)", Model("lexical", vectors, "idf")),
        ("lexical-v1 without IDF", Model("lexical-no-idf", vectors, "none")),
    ]
    for name, model in rows:
        p10, ndcg = evaluate(items, model)
        print(f"| {name} | {p10:.3f} | {ndcg:.3f} |")
    seconds = speed(lexical, items)
    print()
    print(f"Ranking 300 candidates for 10,000 chats (5-paper profiles, lexical-v1, batched): {seconds:.1f} s")
    each = speed_one_by_one(lexical, items)
    print(f"One chat at a time, as a round does it (candidates prepared once): {1000 * each:.1f} ms a chat")


if __name__ == "__main__":
    main()
