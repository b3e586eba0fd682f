"""End to end: updates posted to the fake Bot API, handled by the real PTB Application, answered in HTML."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.app.composition import Services, build_services
from bot.app.logs import setup_logging
from tests.conftest import SettingsFactory
from tests.fakes.arxiv_api import FakeArxiv
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegram
from tests.fakes.telegram_entities import parse_html
from tests.support.env import subprocess_env
from tests.support.redis_server import RedisServer
from tests.support.telegram import ask as ask_in
from tests.support.telegram import telegram_bot

USER = 1001


@pytest.fixture
async def bot_services(
    llm_settings: SettingsFactory, fake_tg: FakeTelegram, redis: Redis
) -> AsyncIterator[Services]:
    services = build_services(
        llm_settings(telegram_bot_token=fake_tg.token, telegram_api_url=fake_tg.api_url)
    )
    yield services
    await services.aclose()


@pytest.fixture
async def running(bot_services: Services, fake_tg: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    async with telegram_bot(bot_services):
        yield fake_tg


async def ask(tg: FakeTelegram, text: str, chat_id: int = USER, **kwargs: Any) -> str:
    """Send `text` (as USER by default) and return the bot's first reply there."""
    return await ask_in(tg, text, chat_id, **kwargs)


async def test_summarize_yields_one_valid_html_card(
    running: FakeTelegram, fake_llm: FakeOpenAI, fake_arxiv: FakeArxiv
) -> None:
    await running.push_text(USER, "/summarize 2402.01349")
    (message,) = await running.wait_for_messages(1, chat_id=USER)
    assert message.parse_mode == "HTML"
    parsed = parse_html(message.text)
    assert "Beyond the Answers: Reviewing the Rationality" in parsed.text
    assert "TLDR: Beyond the Answers" in parsed.text
    assert "Key takeaways" in parsed.text
    assert "Summary by fake-model-1, written from the full text (HTML v2)" in parsed.text
    assert ("a", {"href": "https://arxiv.org/pdf/2402.01349"}) in parsed.entities
    # The key figure (the overview the model named) is the large preview above the card, and resolves.
    figure = f"{fake_arxiv.html_url}/2402.01349v2/x1.png"
    assert ("a", {"href": figure}) in parsed.entities
    assert "Figure 1 Overview of the pipeline" in parsed.text
    preview = {"url": figure, "prefer_large_media": True, "show_above_text": True}
    assert message.params["link_preview_options"] == preview
    async with aiohttp.ClientSession() as http, http.get(figure) as image:
        assert image.status == 200
        assert image.content_type == "image/png"
        assert (await image.read()).startswith(b"\x89PNG")
    assert message.params["reply_parameters"]["message_id"] > 0
    assert (USER, "typing") in running.actions
    assert fake_llm.calls == 1
    assert len(running.sent) == 1


async def test_command_menu_is_published(running: FakeTelegram) -> None:
    assert [c["command"] for c in running.commands] == [
        "summarize",
        "subscribe",
        "unsubscribe",
        "topics",
        "settings",
        "like",
        "dislike",
        "likes",
        "digest",
        "pause",
        "resume",
        "help",
        "start",
    ]


async def test_a_chinese_user_reads_the_bot_in_chinese(running: FakeTelegram, fake_arxiv: FakeArxiv) -> None:
    """A user whose Telegram is in Chinese: menu, help, an error and a card, with no English label."""
    assert running.menus["zh"][0] == {
        "command": "summarize",
        "description": "论文摘要卡片：/summarize 2402.01349",
    }
    assert [c["command"] for c in running.menus["zh"]] == [c["command"] for c in running.commands]
    chinese = USER + 50
    help_text = await ask(running, "/help", chinese, language_code="zh-hans")
    assert help_text.startswith("arXiv 日报机器人\n我把 arXiv 论文整理成简短的摘要卡片")
    assert "Topics" not in help_text
    error = await ask(running, "/summarize hello", chinese, language_code="zh-hans")
    assert error.startswith("无法把 hello 识别为 arXiv 论文：这不是 arXiv 编号或 arxiv.org 链接。")
    await running.push_text(chinese, "/summarize 2402.01349", language_code="zh-hans")
    card = (await running.wait_for_messages(3, chat_id=chinese))[-1]
    text = parse_html(card.text).text
    for label in ("一句话总结", "要点", "摘要（简体中文）", "🖼 Figure 1", "根据全文（HTML 第 2 版）撰写"):
        assert label in text
    for english in ("TL;DR", "Key takeaways", "Abstract", "Submitted", "Summary by", "written from"):
        assert english not in text
    assert card.params["link_preview_options"]["url"] == f"{fake_arxiv.html_url}/2402.01349v2/x1.png"


async def test_start_and_help(running: FakeTelegram) -> None:
    text = await ask(running, "/start")
    assert "/summarize 2402.01349" in text
    assert "/summarize 2402.01349" in await ask(running, "/help")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/summarize", "Send me an arXiv id or link, for example /summarize 2402.01349"),
        ("/summarize hello world", "I couldn't read hello world as an arXiv paper"),
        ("/summarize <b>&amp;", "I couldn't read <b>&amp; as an arXiv paper"),
        ("/summarize " + "9" * 100, "longer than 64 characters"),
        ("/summarize 2402.99999", "arXiv has no paper 2402.99999"),
        ("/summarize 2413.01349", "arXiv rejected 2413.01349 as a malformed id"),
        ("hello bot", "Send me an arXiv link or id"),
    ],
)
async def test_bad_input_gets_a_friendly_specific_reply(
    running: FakeTelegram, fake_llm: FakeOpenAI, text: str, expected: str
) -> None:
    reply = await ask(running, text)
    assert expected in reply
    # Each answer shows what works: an example id or link, or which id to check against arXiv.
    assert re.search(r"2402\.01349|arxiv\.org/abs/|Check (the number|it against)", reply), reply
    assert fake_llm.calls == 0


async def test_arxiv_down_is_its_own_reply(running: FakeTelegram, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.mode = "503"
    reply = await ask(running, "/summarize 2402.01349")
    assert "arXiv isn't answering right now" in reply


async def test_llm_failure_gives_labelled_fallback_card(running: FakeTelegram, fake_llm: FakeOpenAI) -> None:
    fake_llm.mode = "invalid_json"
    reply = await ask(running, "/summarize https://arxiv.org/abs/2502.14816v1")
    assert "Dynamic Low-Rank Sparse Adaptation" in reply
    assert "Extractive summary (the language model returned invalid JSON)" in reply
    assert "Accepted to ICLR 2025" in reply
    assert "Code" in reply


async def test_hostile_paper_and_llm_output_are_escaped(running: FakeTelegram, fake_llm: FakeOpenAI) -> None:
    fake_llm.mode = "gullible"
    await running.push_text(USER, "/summarize 2403.00001")
    (message,) = await running.wait_for_messages(1, chat_id=USER)
    parsed = parse_html(message.text)  # the fake would have refused invalid HTML with a 400
    assert "</b><script>alert(1)</script>" in parsed.text
    assert all(name != "script" for name, _ in parsed.entities)
    assert not any(attrs.get("href") == "http://evil" for _, attrs in parsed.entities)


async def test_bare_link_in_private_chat(running: FakeTelegram) -> None:
    reply = await ask(running, "https://arxiv.org/pdf/2402.01349.pdf")
    assert "Beyond the Answers" in reply


async def test_group_command_addressed_to_the_bot(running: FakeTelegram) -> None:
    group = -2001
    running.add_chat(group, "supergroup", "Reading group")
    reply = await ask(running, f"/summarize@{BOT_USERNAME} arXiv:2402.01349", chat_id=group, user_id=USER)
    assert "Beyond the Answers" in reply


async def test_group_command_for_another_bot_is_ignored(running: FakeTelegram) -> None:
    group = -2002
    running.add_chat(group, "supergroup", "Reading group")
    await running.push_text(group, "/summarize@SomeOtherBot 2402.01349", user_id=USER)
    reply = await ask(running, "/help", chat_id=group, user_id=USER)
    assert "arXiv digest bot" in reply
    assert len([m for m in running.sent if m.chat_id == group]) == 1


async def test_bare_text_in_group_is_ignored(running: FakeTelegram) -> None:
    group = -2003
    running.add_chat(group, "group", "Chatty group")
    await running.push_text(group, "https://arxiv.org/abs/2402.01349", user_id=USER)
    reply = await ask(running, "/help", chat_id=group, user_id=USER)
    assert "arXiv digest bot" in reply
    assert len([m for m in running.sent if m.chat_id == group]) == 1


async def test_too_many_requests_get_slow_down(
    llm_settings: SettingsFactory, fake_tg: FakeTelegram, fake_llm: FakeOpenAI, redis: Redis
) -> None:
    services = build_services(
        llm_settings(
            telegram_bot_token=fake_tg.token, telegram_api_url=fake_tg.api_url, summarize_per_minute=2
        )
    )
    try:
        async with telegram_bot(services):
            replies = [await ask(fake_tg, f"/summarize 2402.01349v{i}") for i in range(1, 4)]
            other_user = await ask(fake_tg, "/summarize 2402.01349", chat_id=USER + 1)
    finally:
        await services.aclose()
    assert "Beyond the Answers" in replies[0]
    assert "Beyond the Answers" in replies[1]
    assert "at most 2 papers a minute" in replies[2]
    assert "Beyond the Answers" in other_user
    assert fake_llm.calls == 1


async def test_telegram_429_is_retried_after_retry_after(
    running: FakeTelegram, bot_services: Services
) -> None:
    running.fail("sendMessage", "429", count=1, retry_after=1)
    reply = await ask(running, "/help")
    assert "arXiv digest bot" in reply
    assert [m for m, _ in running.calls].count("sendMessage") == 2
    hold = bot_services.keys.pace_hold(f"chat:telegram:{USER}")  # digest workers wait it out too
    assert await bot_services.redis.get(hold) is not None


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "openai")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.usefixtures("restore_logging")
async def test_token_never_logged(
    bot_services: Services, fake_tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("DEBUG", bot_services.settings.secrets())
    async with telegram_bot(bot_services):
        await ask(fake_tg, "/summarize 2402.01349")
        logging.getLogger("test").error("failed calling %s/getMe", fake_tg.api_url + fake_tg.token)
    err = capsys.readouterr().err
    assert "Calling Bot API endpoint `getUpdates`" in err  # DEBUG output really was captured
    assert fake_tg.token not in err
    assert fake_tg.token.split(":")[1] not in err
    assert "/bot***/getMe" in err


async def test_redis_outage_gets_an_apology_and_recovers(
    running: FakeTelegram, redis_server: RedisServer
) -> None:
    redis_server.stop()
    try:
        reply = await ask(running, "/summarize 2402.01349")
    finally:
        redis_server.start()
    assert "something went wrong on my side" in reply
    assert "Beyond the Answers" in await ask(running, "/summarize 2402.01349")


async def test_python_m_bot_run_serves_and_stops_on_sigterm(
    fake_tg: FakeTelegram, fake_arxiv: FakeArxiv, redis_server: RedisServer
) -> None:
    env = subprocess_env(
        TELEGRAM_BOT_TOKEN=fake_tg.token,
        TELEGRAM_API_URL=fake_tg.api_url,
        REDIS_URL=redis_server.url,
        ARXIV_API_URL=fake_arxiv.api_url,
        ARXIV_REQUEST_INTERVAL_SECONDS="0",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        reply = await ask(fake_tg, "/summarize 2402.01349")
        assert "Extractive summary" in reply
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0
    log = err.decode()
    assert "is polling" in log
    assert fake_tg.token not in log


@pytest.mark.usefixtures("restore_logging")
def test_json_logs_are_one_object_per_line_without_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    setup_logging("INFO", ["123456:SECRET-token"], "json")
    logging.getLogger("bot.test").info("calling https://x/bot123456:SECRET-token/getMe")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    data = json.loads(line)
    assert data["level"] == "INFO"
    assert data["message"] == "calling https://x/bot***/getMe"
