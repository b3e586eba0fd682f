"""Paper vectors: one per paper and model, sparse or dense, with a compact JSON form for the cache."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.core.models import Paper


@dataclass(frozen=True, slots=True)
class Vector:
    """A paper in one model's space: values at indices of a `dim`-dimensional space (dense: every index)."""

    dim: int
    indices: NDArray[np.int32]
    values: NDArray[np.float32]
    label: str = ""  # the paper's title, shortened: what "why you got this" names

    def to_json(self) -> str:
        """The cached form (dense vectors without their indices)."""
        data: dict[str, object] = {"d": self.dim, "v": [round(float(v), 5) for v in self.values]}
        if len(self.indices) != self.dim:
            data["i"] = [int(i) for i in self.indices]
        data["t"] = self.label
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Vector:
        """Inverse of to_json."""
        data = json.loads(text)
        values = np.asarray(data["v"], dtype=np.float32)
        indices = np.asarray(data["i"] if "i" in data else range(len(values)), dtype=np.int32)
        return cls(int(data["d"]), indices, values, str(data.get("t", "")))

    @classmethod
    def dense(cls, values: list[float], label: str = "") -> Vector:
        """A dense vector (an embedding)."""
        array = np.asarray(values, dtype=np.float32)
        return cls(len(array), np.arange(len(array), dtype=np.int32), array, label)


def label(paper: Paper) -> str:
    """A paper's title as a vector carries it (one line, at most 120 characters)."""
    title = " ".join(paper.title.split())
    return title if len(title) <= 120 else title[:119] + "…"


def paper_text(paper: Paper) -> str:
    """What a paper's vector is made of: its title (twice: it says the most) and its abstract."""
    return f"{paper.title}. {paper.title}. {paper.abstract}"
