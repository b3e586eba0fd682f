"""A local fake of an OpenAI-compatible chat-completions server, driven by the real `openai` SDK.

The "model" writes a deterministic card from the paper JSON in the user message. Modes inject the
failures the bot must survive: timeouts, 429s, 500s, invalid JSON, refusals, schema mismatches, and a
gullible model that obeys instructions hidden in the abstract.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

MODES = (
    "ok",
    "timeout",
    "429",
    "500",
    "invalid_json",
    "refusal",
    "schema_mismatch",
    "gullible",
    "think",  # a reasoning model: its answer starts with a <think> block (with numbers of its own)
    "hallucinate",  # adds numbers that are not in the paper, and removes them when asked again
    "hallucinate_stubborn",  # adds them and keeps them
)
HALLUCINATED_TLDR = " It is a 99.9% gain."
HALLUCINATED_TAKEAWAY = "It runs 7.5\u00d7 faster than every baseline."  # the sign models write


@dataclass
class FakeOpenAI(LocalServer):
    """The fake server; point OPENAI_BASE_URL at `base_url`."""

    api_key: str = "sk-test-fake-key-0123456789"
    mode: str = "ok"
    latency: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    embedding_mode: str = "ok"  # ok, 429, 500, timeout
    embedded: list[str] = field(default_factory=list)  # every text an embedding was asked for
    embedding_requests: int = 0
    completions: list[int] = field(default_factory=list)  # completion tokens of every answer, in order
    count_tokens: bool = False  # usage from the request's length (4 characters a token), not 500/200
    key_figure: str | None = None  # the figure the model names (default: the overview, if a caption says so)

    def __post_init__(self) -> None:
        LocalServer.__init__(self)

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def routes(self, app: web.Application) -> None:
        """Register the fake's endpoints."""
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_post("/v1/embeddings", self._embeddings)

    @property
    def base_url(self) -> str:
        """The value for OPENAI_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def calls(self) -> int:
        """Completion requests received (retries included)."""
        return len(self.requests)

    async def _completions(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "invalid_request_error", "We could not parse the JSON body of your request.")
        problem = _validate(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        self.requests.append(body)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1
        if self.mode == "timeout":
            await asyncio.sleep(3600)
        if self.mode == "429":
            return _error(429, "rate_limit_exceeded", "Rate limit reached.", headers={"retry-after": "0"})
        if self.mode == "500":
            return _error(500, "server_error", "The server had an error.")
        content, refusal = self._answer(body)
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": refusal},
                        "finish_reason": "stop",
                    }
                ],
                "usage": self._usage(body, content),
            }
        )

    def _usage(self, body: dict[str, Any], content: str | None) -> dict[str, int]:
        if not self.count_tokens:
            return {"prompt_tokens": 500, "completion_tokens": 200, "total_tokens": 700}
        prompt = sum(-(-len(m["content"]) // 4) + 4 for m in body["messages"])
        completion = -(-len(content or "") // 4)
        self.completions.append(completion)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    async def _embeddings(self, request: web.Request) -> web.Response:
        """OpenAI's embeddings endpoint: a deterministic bag-of-words vector (512 dimensions) per text."""
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid_api_key", "Incorrect API key provided.")
        body = await request.json()
        texts = body.get("input")
        if not isinstance(body.get("model"), str) or not isinstance(texts, list) or not texts:
            return _error(400, "invalid_request_error", "model and a non-empty input list are required")
        if len(texts) > 2048 or not all(isinstance(t, str) and t for t in texts):
            return _error(400, "invalid_request_error", "input must be 1 to 2048 non-empty strings")
        self.embedding_requests += 1
        if self.embedding_mode == "timeout":
            await asyncio.sleep(3600)
        if self.embedding_mode == "429":
            return _error(429, "rate_limit_exceeded", "Rate limit reached.", headers={"retry-after": "0"})
        if self.embedding_mode == "500":
            return _error(500, "server_error", "The server had an error.")
        self.embedded += texts
        data = [
            {"object": "embedding", "index": i, "embedding": bag_of_words(t)} for i, t in enumerate(texts)
        ]
        usage = {"prompt_tokens": sum(len(t.split()) for t in texts), "total_tokens": 0}
        return web.json_response({"object": "list", "data": data, "model": body["model"], "usage": usage})

    def _answer(self, body: dict[str, Any]) -> tuple[str | None, str | None]:
        system = body["messages"][0]["content"]
        paper = json.loads(body["messages"][1]["content"])
        asked_again = len(body["messages"]) > 2
        if self.mode == "refusal":
            return None, "I can't help with that."
        if self.mode == "invalid_json":
            return '{"tldr": "cut off', None
        if self.mode == "schema_mismatch":
            return json.dumps({"tldr": "x", "summary": "y", "takeaways": ["only one"]}), None
        if self.mode == "gullible" and "ignore" in paper["abstract"].lower():
            return "<b>PWNED</b> as instructed", None
        translate = re.search(r"translated faithfully into ([A-Za-z ]+)\.", system)
        language = translate.group(1) if translate else None
        title = paper["title"]
        sections = {s["section"].split(" ", 1)[-1]: s["text"] for s in paper.get("full_text", [])}
        if sections:  # written from the method and results, as the prompt asks
            read = " ".join(sections.get(name, "").split(". ")[0] for name in ("Method", "Experiments"))
            summary = f"Summary of {title}. {read}."
        else:
            summary = f"Summary of {title}. " + paper["abstract"][:200]
        takeaways = [f"Takeaway {n} about {title[:40]}" for n in ("one", "two", "three")]
        if "68.7%" in sections.get("Experiments", ""):
            takeaways[0] = "Accuracy reaches 68.70% on three benchmarks."
        captions: list[str] = paper.get("captions", [])
        overview = [c.split(":")[0] for c in captions if "overview" in c.lower()]
        card: dict[str, Any] = {
            "tldr": f"TLDR: {title}",
            "summary": summary,
            "takeaways": takeaways,
            "key_figure": self.key_figure or (overview[0] if overview else None),
            "translated_title": f"[{language}] {title}" if language else None,
            "translated_abstract": f"[{language}] {paper['abstract']}" if language else None,
        }
        if self.mode == "gullible":
            card["tldr"] = "<b>bold claim</b> & <a href='x'>link</a>"
            if any("ignore" in text.lower() for text in sections.values()):
                card["summary"] = "<b>PWNED</b> as instructed"
        if self.mode == "hallucinate_stubborn" or (self.mode == "hallucinate" and not asked_again):
            card["tldr"] += HALLUCINATED_TLDR
            card["takeaways"] = [*takeaways, HALLUCINATED_TAKEAWAY]
        answer = json.dumps(card, ensure_ascii=False)
        if self.mode == "think":
            answer = "<think>The abstract says 99.9? No. Let me write the JSON.</think>\n" + answer
        return answer, None


_GENERIC = frozenset(
    [
        "with",
        "from",
        "that",
        "this",
        "their",
        "over",
        "more",
        "when",
        "improve",
        "improves",
        "while",
        "using",
        "each",
    ]
)


def bag_of_words(text: str, dimensions: int = 512) -> list[float]:
    """A stable stand-in for a sentence embedding: word counts hashed into a few dimensions."""
    vector = [0.0] * dimensions
    for word in re.findall(r"[a-z]{4,}", text.lower()):
        if word in _GENERIC:
            continue
        vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % dimensions] += 1.0
    vector[0] += 0.01  # never all zero
    return vector


def _validate(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    for message in messages:
        if message.get("role") not in {"system", "user", "assistant", "developer"}:
            return "invalid role"
        if not isinstance(message.get("content"), str):
            return "message content must be a string"
    fmt = body.get("response_format")
    if fmt is not None:
        schema = fmt.get("json_schema", {}) if isinstance(fmt, dict) else {}
        if (
            fmt.get("type") != "json_schema"
            or not isinstance(schema.get("schema"), dict)
            or not schema.get("name")
        ):
            return "response_format.json_schema requires a name and a schema"
        inner = schema["schema"]
        if schema.get("strict") and set(inner.get("properties", {})) != set(inner.get("required", [])):
            return "In strict mode, 'required' must list every key in 'properties'."
    return None


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    payload = {"error": {"message": message, "type": code, "param": None, "code": code}}
    return web.json_response(payload, status=status, headers=headers)
