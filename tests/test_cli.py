"""`python -m bot` as a user runs it: a real subprocess against the local fakes, no Redis, no LLM."""

from __future__ import annotations

import asyncio
import json
import socket
import sys

import pytest
from redis.asyncio import Redis

from bot.arxiv.client import PaperNotFoundError
from handlers.summarize import lookup_failure_reply
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_entities import parse_html
from tests.support.env import subprocess_env
from tests.support.redis_server import RedisServer


async def run_cli(*args: str, **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=subprocess_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_text_card_on_embedded_defaults(fake_arxiv: FakeArxiv) -> None:
    code, out, err = await run_cli("summarize", "2402.01349", ARXIV_API_URL=fake_arxiv.api_url)
    assert code == 0, err
    assert out.startswith("Beyond the Answers: Reviewing the Rationality")
    assert "TL;DR: This study first investigates the limitations of MCQA" in out
    assert "Extractive summary: sentences taken from the abstract" in out
    assert "arXiv: https://arxiv.org/abs/2402.01349" in out
    assert "nothing will persist" in err


async def test_json_card(fake_arxiv: FakeArxiv) -> None:
    code, out, _ = await run_cli(
        "summarize", "arXiv:2502.14816v1", "--format", "json", ARXIV_API_URL=fake_arxiv.api_url
    )
    assert code == 0
    card = json.loads(out)
    assert {
        "arxiv_id",
        "title",
        "authors",
        "tldr",
        "summary",
        "takeaways",
        "url",
        "pdf_url",
        "model",
    } <= card.keys()
    assert card["arxiv_id"] == "2502.14816"
    assert card["model"] == "extractive"
    assert card["comment"] == "Accepted to ICLR 2025"
    assert card["code_url"] == "https://github.com/wzhuang-xmu/LoSA"
    assert card["pdf_url"] == "https://arxiv.org/pdf/2502.14816"


@pytest.mark.parametrize("name", ["telegram-html", "html"])
async def test_html_card_is_valid_telegram_html(fake_arxiv: FakeArxiv, name: str) -> None:
    code, out, _ = await run_cli(
        "summarize", "hep-th/9901001", "--format", name, ARXIV_API_URL=fake_arxiv.api_url
    )
    assert code == 0
    assert "Non-commutative <geometry> & strings" in parse_html(out.strip()).text


async def test_markdown_card_with_llm_and_language(fake_arxiv: FakeArxiv, fake_llm: FakeOpenAI) -> None:
    code, out, _ = await run_cli(
        "summarize",
        "2402.01349",
        "--format",
        "markdown",
        "--lang",
        "zh",
        ARXIV_API_URL=fake_arxiv.api_url,
        ARXIV_HTML_URL=fake_arxiv.html_url,
        OPENAI_BASE_URL=fake_llm.base_url,
        OPENAI_API_KEY=fake_llm.api_key,
        LLM_MODEL="fake-model-1",
    )
    assert code == 0
    assert out.startswith("## [Beyond the Answers")
    assert "**摘要（简体中文）**" in out  # the card's labels are in the card's language
    assert "**要点**" in out
    assert "摘要由 fake\\-model\\-1 根据全文（HTML 第 2 版）撰写" in out
    assert "![Figure 1: Overview of the pipeline" in out  # the key figure, as an image
    assert f"(<{fake_arxiv.html_url}/2402.01349v2/x1.png>)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("summarize", "not-an-id"), "not an arXiv id"),
        (("summarize", "2402.01349", "--lang", "english"), "two-letter code"),
        (("summarize", "2402.01349", "--format", "pdf"), "invalid choice"),
        (("run",), "Set TELEGRAM_BOT_TOKEN (from @BotFather) and/or DISCORD_BOT_TOKEN"),
    ],
)
async def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, out, err = await run_cli(*args)
    assert code == 2
    assert message in err
    assert out == ""


async def test_bad_configuration_is_explained() -> None:
    code, _, err = await run_cli("summarize", "2402.01349", DIGEST_TIME="25:61", REDIS_URL="localhost")
    assert code == 2
    assert "DIGEST_TIME:" in err
    assert "REDIS_URL:" in err


async def test_configuration_errors_never_echo_passwords() -> None:
    code, _, err = await run_cli(
        "summarize",
        "2402.01349",
        REDIS_URL="http://admin:hunter2@redis.internal:6379/0",
        OPENAI_BASE_URL="ftp://llm:s3cret-pw@llm.internal/v1?api_key=sk-live-123",
    )
    assert code == 2
    assert "REDIS_URL: expected redis://host:port/db" in err
    assert "http://admin:***@redis.internal:6379/0" in err
    assert "ftp://llm:***@llm.internal/v1?api_key=***" in err
    for secret in ("hunter2", "s3cret-pw", "sk-live-123"):
        assert secret not in err


async def test_deliver_now_with_redis_down_says_so_in_one_line() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = await run_cli(
        "deliver",
        "--now",
        REDIS_URL=f"redis://:hunter2@127.0.0.1:{port}/0",
        TELEGRAM_BOT_TOKEN="123:abc",
        TELEGRAM_API_URL="http://127.0.0.1:9/bot",
    )
    assert (code, out) == (3, "")  # its own code: 1 is arXiv, 2 bad input or configuration
    (line,) = err.strip().splitlines()  # no traceback
    assert line.startswith(f"error: cannot reach Redis at redis://:***@127.0.0.1:{port}/0 (Error 111")
    assert line.endswith("; check REDIS_URL")
    assert "hunter2" not in err


async def test_arxiv_errors_exit_1(fake_arxiv: FakeArxiv) -> None:
    code, _, err = await run_cli("summarize", "2402.99999", ARXIV_API_URL=fake_arxiv.api_url)
    assert code == 1
    expected = "error: " + lookup_failure_reply("2402.99999", PaperNotFoundError("x")).plain_text()
    assert err.strip().splitlines()[-1] == expected  # the very words the chat gets
    fake_arxiv.mode = "503"
    code, _, err = await run_cli(
        "summarize", "2402.01349", ARXIV_API_URL=fake_arxiv.api_url, ARXIV_REQUEST_INTERVAL_SECONDS="0"
    )
    assert (code, "arXiv isn't answering right now" in err) == (1, True)


async def test_digest_for_a_topic_on_embedded_defaults(fake_arxiv: FakeArxiv) -> None:
    from tests.support.digest import paper

    for n in range(1, 5):
        fake_arxiv.announce("cs.CL", paper(n, title=f"Paper {n} | with a pipe"))
    code, out, err = await run_cli(
        "digest",
        "cs.CL",
        "--limit",
        "3",
        "--format",
        "markdown",
        ARXIV_API_URL=fake_arxiv.api_url,
        ARXIV_RSS_URL=fake_arxiv.rss_url,
        ARXIV_REQUEST_INTERVAL_SECONDS="0",
    )
    assert code == 0, err
    assert out.startswith("# arXiv digest — cs.CL — ")
    assert "| Ref | Title | TL;DR |" in out
    assert out.count("| [^") == 3
    assert "Paper 1 \\| with a pipe" in out
    assert "[^1]: **Paper" in out
    assert "**1 more:**" in out
    assert "summarizing [" in err
    assert "3/3" in err


async def test_digest_json_and_empty_day(fake_arxiv: FakeArxiv) -> None:
    from tests.support.digest import paper

    env = {
        "ARXIV_API_URL": fake_arxiv.api_url,
        "ARXIV_RSS_URL": fake_arxiv.rss_url,
        "ARXIV_REQUEST_INTERVAL_SECONDS": "0",
    }
    code, out, err = await run_cli("digest", "cs.CL", **env)
    assert (code, out) == (0, "")
    assert "No new papers for cs.CL today" in err
    fake_arxiv.announce("cs.CL", paper(1))
    code, out, _ = await run_cli("digest", "CS.cl", "--format", "json", **env)
    data = json.loads(out)
    assert data["topic"] == "cs.CL"
    assert [p["arxiv_id"] for p in data["papers"]] == ["2411.00001"]


async def test_digest_bad_topic_and_arxiv_down(fake_arxiv: FakeArxiv) -> None:
    code, _, err = await run_cli("digest", "cs.CLL")
    assert code == 2
    assert "Did you mean cs.CL" in err
    fake_arxiv.rss_mode = "503"
    code, _, err = await run_cli(
        "digest", "cs.CL", ARXIV_RSS_URL=fake_arxiv.rss_url, ARXIV_REQUEST_INTERVAL_SECONDS="0"
    )
    assert code == 1
    assert "arXiv could not be read" in err


async def test_deliver_now_delivers_every_active_chat(
    fake_arxiv: FakeArxiv, redis_server: RedisServer, redis: Redis
) -> None:
    from bot.app.composition import build_services
    from bot.app.settings import Settings
    from tests.fakes.telegram_api import FakeTelegram
    from tests.support.digest import add_chat, paper

    for n in range(1, 4):
        fake_arxiv.announce("cs.CL", paper(n))
    async with FakeTelegram() as tg:
        settings = Settings(_env_file=None, redis_url=redis_server.url)
        services = build_services(settings)
        try:
            await add_chat(services, tg, 1, ["cs.CL"])
            await add_chat(services, tg, 2, ["cs.CL"], time="23:59")
            paused = await add_chat(services, tg, 3, ["cs.CL"])
            await services.chats.set_setting(paused, "paused", "1")
        finally:
            await services.aclose()
        code, out, err = await run_cli(
            "deliver",
            "--now",
            TELEGRAM_BOT_TOKEN=tg.token,
            TELEGRAM_API_URL=tg.api_url,
            REDIS_URL=redis_server.url,
            ARXIV_API_URL=fake_arxiv.api_url,
            ARXIV_RSS_URL=fake_arxiv.rss_url,
            ARXIV_REQUEST_INTERVAL_SECONDS="0",
        )
        assert code == 0, err
        assert "chats=2 planned=6 sent=6 failed=0 uncertain=0 failed_topics=0" in out
        assert {m.chat_id for m in tg.sent} == {1, 2}
        assert tg.token not in err


async def test_data_from_a_newer_release_is_refused_clearly(redis_server: RedisServer) -> None:
    client: Redis = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        await client.flushall()
        await client.set("arxivbot:{subs}:schema", "3")
        code, out, err = await run_cli(
            "deliver",
            "--now",
            REDIS_URL=redis_server.url,
            TELEGRAM_BOT_TOKEN="123:abc",
            TELEGRAM_API_URL="http://127.0.0.1:9/bot",
        )
        assert (code, out) == (2, "")
        assert "error: the stored data has schema 3, newer than this release's 2" in err
        assert "Traceback" not in err
        assert await client.get("arxivbot:{subs}:schema") == "3"  # nothing was changed
    finally:
        await client.aclose()
