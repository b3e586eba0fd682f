"""Paper vectors from an OpenAI-compatible embeddings endpoint (EMBEDDING_MODEL), in batches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from bot.core.models import Paper
from bot.relevance.vectors import Vector, label, paper_text

BATCH = 64  # papers per request
MAX_CHARACTERS = 6000  # of text per paper (title and abstract fit; a runaway abstract is cut)


class EmbeddingError(Exception):
    """The embeddings endpoint failed (timeout, 429, 5xx, an answer that is not one vector per text)."""


class EmbeddingModel:
    """Dense, unit-length vectors from the endpoint."""

    weighting = "none"

    def __init__(self, client: openai.AsyncOpenAI, model: str) -> None:
        self._client = client
        self._model = model
        self.name = f"embedding:{model}"

    async def vectors_async(self, papers: Sequence[Paper]) -> list[Vector]:
        """One vector per paper, BATCH papers a request; raises EmbeddingError."""
        found: list[Vector] = []
        for start in range(0, len(papers), BATCH):
            batch = papers[start : start + BATCH]
            texts = [paper_text(p)[:MAX_CHARACTERS] for p in batch]
            try:
                answer = await self._client.embeddings.create(model=self._model, input=texts)
            except openai.OpenAIError as exc:
                raise EmbeddingError(f"the embeddings endpoint failed: {type(exc).__name__}") from exc
            rows = sorted(answer.data, key=lambda item: item.index)
            if len(rows) != len(texts) or len({len(r.embedding) for r in rows}) != 1:
                raise EmbeddingError("the embeddings endpoint did not answer one vector per text")
            for paper, row in zip(batch, rows, strict=True):
                values = np.asarray(row.embedding, dtype=np.float32)
                norm = float(np.linalg.norm(values))
                if not np.isfinite(norm) or norm == 0:
                    raise EmbeddingError("the embeddings endpoint answered an empty vector")
                found.append(Vector.dense(list(values / norm), label(paper)))
        return found

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()
