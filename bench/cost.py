"""Benchmark what a card costs with full text: prompt and completion tokens per paper and language.

Cards are written through the real openai SDK against the fake model, which counts tokens from the
request's length (4 characters a token, about what OpenAI's tokenizers give for English prose; the real
count depends on the model's tokenizer, which is not available offline). Papers come from the fake
arXiv, each with its HTML version: normal pages (about 8 KB) and 400 KB pages that fill the whole
LLM_MAX_INPUT_TOKENS budget. Prints, per language: prompt and completion tokens per card (full text
and abstract-only), model calls per (paper, language), and the time to read a 400 KB page.

    python -m bench.cost
    python -m bench.cost --max-input-tokens 8000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.app.composition import build_services
from bot.app.settings import Settings
from bot.arxiv.latexml import parse_latexml
from bot.summaries.selection import select
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.arxiv_html import latexml_page
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.papers import ALL_PAPERS
from tests.support.redis_server import RedisServer

LANGUAGES = ("en", "zh")


async def _cards(
    arxiv: FakeArxiv, llm: FakeOpenAI, redis_url: str, max_input: int, *, html: bool, tag: str
) -> dict[str, tuple[list[int], list[int], int]]:
    """Per language: prompt tokens per card, completion tokens per card, and model calls for two asks."""
    settings = Settings(
        _env_file=None,
        redis_url=redis_url,
        redis_key_prefix=f"bench:{tag}:{int(html)}:",  # every run starts with empty caches
        arxiv_api_url=arxiv.api_url,
        arxiv_html_url=arxiv.html_url if html else f"{arxiv.html_url}-missing",
        arxiv_request_interval_seconds=0,
        openai_base_url=llm.base_url,
        openai_api_key=llm.api_key,
        llm_model="fake-model-1",
        llm_max_input_tokens=max_input,
    )
    services = build_services(settings)
    found: dict[str, tuple[list[int], list[int], int]] = {}
    try:
        for language in LANGUAGES:
            before = len(llm.requests)
            prompt: list[int] = []
            completion: list[int] = []
            for paper in ALL_PAPERS:
                start = len(llm.requests)
                for _ in range(2):  # asked twice: the second is the cache's
                    await services.cards.card(paper.arxiv_id, language)
                for body in llm.requests[start:]:
                    prompt.append(sum(-(-len(m["content"]) // 4) + 4 for m in body["messages"]))
                completion.append(llm.completions[-1])
            found[language] = (prompt, completion, len(llm.requests) - before)
    finally:
        await services.aclose()
    return found


async def run(max_input: int, redis_dir: Path) -> None:
    """Write every fake paper's card in every language and print the figures."""
    redis = RedisServer(redis_dir)
    redis.start()
    try:
        async with FakeArxiv() as arxiv, FakeOpenAI(count_tokens=True) as llm:
            for kind, huge in (
                ("normal pages (~8 KB)", set()),
                ("400 KB pages", {p.arxiv_id for p in ALL_PAPERS}),
            ):
                arxiv.huge_html = huge
                tag = str(len(huge))
                with_text = await _cards(arxiv, llm, redis.url, max_input, html=True, tag=tag)
                abstract = await _cards(arxiv, llm, redis.url, max_input, html=False, tag=tag)
                print(f"\n{kind}, LLM_MAX_INPUT_TOKENS={max_input}, {len(ALL_PAPERS)} papers:")
                print(
                    "  language  prompt/card (full text)  max   prompt/card (abstract)"
                    "  completion/card  calls/(paper,lang)"
                )
                for language in LANGUAGES:
                    prompt, completion, calls = with_text[language]
                    base, _, _ = abstract[language]
                    print(
                        f"  {language:8}  {statistics.mean(prompt):>23,.0f}  {max(prompt):>5,}"
                        f"  {statistics.mean(base):>22,.0f}  {statistics.mean(completion):>15,.0f}"
                        f"  {calls / len(ALL_PAPERS):>18.2f}"
                    )
        page = latexml_page(ALL_PAPERS[0], 2, huge=True)
        start = time.perf_counter()
        for _ in range(20):
            document = parse_latexml(page, "https://arxiv.org/html/2402.01349v2/")
        parsed = (time.perf_counter() - start) / 20
        start = time.perf_counter()
        for _ in range(200):
            select(document, max_input)
        chosen = (time.perf_counter() - start) / 200
        print(
            f"\nreading a {len(page) / 1000:.0f} KB page: {parsed * 1000:.1f} ms; "
            f"selecting: {chosen * 1000:.2f} ms"
        )
    finally:
        redis.stop()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-input-tokens", type=int, default=6000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(run(args.max_input_tokens, Path(directory)))


if __name__ == "__main__":
    main()
