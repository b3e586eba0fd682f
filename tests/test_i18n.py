"""The bot in the chat's language: complete catalogs, and no English label in a Chinese chat — replies,
errors, help, buttons, cards, digest headers and command menus, in-process and through the fake Bot API
and Discord."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.cards.build import build_card
from bot.cards.layout import card_text
from bot.core.delivery import DigestHeader, DigestMessage
from bot.core.i18n import CATALOGS, fill, translate
from bot.core.models import Card, Span, Summary, TextReply, bold, code
from bot.core.topics.taxonomy import category_name
from bot.platforms.discord.embeds import card_embed, digest_payload
from bot.platforms.telegram.digest import header_block, render_digest
from bot.platforms.telegram.html import card_blocks
from handlers import registry
from tests.fakes.papers import ALL_PAPERS, MCQA
from tests.fakes.telegram_entities import parse_html
from tests.support.fake_platform import FakePlatform
from tools.catalogs import CATALOG_LOCALES, extract, problems, read

# Words that stay as they are in every language: names, codes, command syntax and examples users type.
ALLOWED = {
    "arXiv",
    "arxiv",
    "org",
    "abs",
    "HTML",
    "PDF",
    "UTC",
    "JSON",
    "ISO",
    "HH",
    "MM",
    "ti",
    "au",
    "cat",
    "all",
    "AND",
    "OR",
    "ANDNOT",
    "cards",
    "compact",
    "off",
    "en",
    "zh",
    "de",
    "es",
    "cs",
    "CL",
    "LG",
    "Asia",
    "Shanghai",
    "https",
    "few-shot",
    "learning",
    "large",
    "language",
    "models",
    "transformer",
    "min_score",
    "max_papers",
    "time",
    "timezone",
    "style",
    "settings",
    "resume",
    "help",
    "summarize",
    "fake-model-",
    "TLDR",  # the fake model's own text
}
ALLOWED |= {command.name for command in registry.COMMANDS} | {"v"}  # /subscribe; v2 of a paper
_WORD = re.compile(r"[A-Za-z][A-Za-z_-]*")
# The papers' own words (titles, authors, comments) are content, never labels.
CONTENT = {
    word
    for paper in ALL_PAPERS
    for text in (paper.title, " ".join(paper.authors), paper.comment or "")
    for word in _WORD.findall(text)
}


def english_words(text: str) -> set[str]:
    """English words in `text` that are not names, codes or examples (what a translator missed)."""
    text = text.replace("\\", "")  # Discord's markdown escapes
    for paper in ALL_PAPERS:
        text = text.replace(paper.abstract, "")
    for category in ("cs.CL", "cs.LG", "math.AP"):
        text = text.replace(category_name(category), "")  # arXiv's own category names
    text = re.sub(r"\b(?:[a-z-]+\.)?[A-Za-z-]+\.[A-Z]{2}\b|\bmath\.[A-Z]{2}\b", "", text)  # category codes
    return {word for word in _WORD.findall(text) if word not in ALLOWED and word not in CONTENT}


def readable(reply: object) -> str:
    """What a person reads in a reply, minus what they would type (code) and link labels."""
    if isinstance(reply, TextReply):
        spans = [s.text for s in reply.spans if s.style not in {"code", "link"}]
        return "".join(spans) + " ".join(b.label for b in reply.buttons)
    return ""


# ----- catalogs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_every_marked_string_has_a_translation(locale: str) -> None:
    assert problems(extract(), locale) == []


@pytest.mark.parametrize("locale", CATALOG_LOCALES)
def test_catalogs_hold_nothing_the_code_no_longer_says_and_keep_every_placeholder(locale: str) -> None:
    code_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    for message in read(locale):
        if not message.id:
            continue
        singular = message.id if isinstance(message.id, str) else message.id[0]
        assert singular in code_ids, f"stale entry {singular!r}"
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for string in strings:
            assert set(re.findall(r"\{\w+\}", string)) == set(re.findall(r"\{\w+\}", singular)), singular


def test_chinese_catalog_is_chinese() -> None:
    catalog = read("zh_CN")
    for message in catalog:
        if message.id and isinstance(message.string, str):
            assert re.search(r"[\u4e00-\u9fff]", message.string) or message.id in {" or "}, message.id


def test_a_language_without_a_catalog_reads_english() -> None:
    assert translate("de", "Key takeaways") == "Key takeaways"
    assert translate("zh", "Key takeaways") == "要点"
    assert set(CATALOGS) == {"en", "zh"}


def test_fill_keeps_spans_wherever_the_translation_puts_them() -> None:
    pieces = fill("先 {b} 后 {a}。", a=code("/a"), b=bold("B"))
    assert pieces == ["先 ", Span("B", "bold"), " 后 ", Span("/a", "code"), "。"]


# ----- a Chinese chat, in-process ----------------------------------------------------------------
CHINESE_PRIVATE = [
    "/start",
    "/help",
    "/summarize",
    "/summarize not-a-paper",
    "/summarize 2402.99999",
    "/summarize 2413.00001",
    "/subscribe",
    "/subscribe cs.XX",
    '/subscribe ti:"open',
    "/subscribe cs.CL AND",
    "/subscribe foo:bar",
    "/subscribe cs.CL",
    "/subscribe cs.CL",
    "/topics",
    "/unsubscribe",
    "/unsubscribe math.AP",
    "/settings",
    "/settings colour red",
    "/settings time 25:00",
    "/settings timezone Mars/Olympus",
    "/settings max_papers 500",
    "/settings style fancy",
    "/settings min_score 7",
    "/settings time",
    "/settings time 08:30",
    "/like",
    "/like 2402.01349",
    "/likes",
    "/dislike not-an-id",
    "/pause",
    "/pause",
    "/resume",
    "/resume",
    "/digest",
    "hello there",
    "/unsubscribe all",
    "/unsubscribe all",
    "/topics",
]


async def test_a_chinese_chat_reads_no_english_label(platform: FakePlatform) -> None:
    await platform.send("/settings language zh", language="zh")
    leaks: dict[str, set[str]] = {}
    for text in CHINESE_PRIVATE:
        reply = await platform.send(text, language="zh")
        found = english_words(readable(reply)) - set(_WORD.findall(text))  # echoes of what was typed
        if found:
            leaks[text] = found
    assert leaks == {}, leaks


async def test_a_chinese_group_refusal_and_buttons_read_no_english(platform: FakePlatform) -> None:
    group = -42
    await platform.send("/subscribe cs.CL", chat_id=group, kind="group", admin=True)
    await platform.send("/settings language zh", chat_id=group, kind="group", admin=True)
    refused = await platform.send("/subscribe cs.LG", chat_id=group, kind="group", admin=False)
    assert english_words(readable(refused)) == set()
    assert "本群管理员" in readable(refused)
    failed = await platform.send("/subscribe cs.LG", chat_id=group, kind="group", admin="error")
    assert english_words(readable(failed)) == set()
    topics = await platform.send("/topics", chat_id=group, kind="group", admin=True)
    assert isinstance(topics, TextReply)
    answer = await platform.press(topics.buttons[0].payload, chat_id=group, kind="group", admin=True)
    assert answer is not None
    assert english_words(answer.notice) == set()
    again = await platform.press(topics.buttons[0].payload, chat_id=group, kind="group", admin=True)
    assert again is not None
    assert english_words(again.notice) == set()


def test_command_menus_are_translated() -> None:
    for command in registry.COMMANDS:
        assert english_words(translate("zh", command.description)) == set(), command.name
        for param in command.params:
            assert english_words(translate("zh", param.description)) == set(), param.name


# ----- cards and digests -------------------------------------------------------------------------
def _zh_card(**summary: object) -> Card:
    values: dict[str, object] = {
        "tldr": "一句话。",
        "summary": "摘要。",
        "takeaways": ("要点一",),
        "language": "zh",
        "model": "fake-model-1",
        "translated_title": "标题",
        "translated_abstract": "中文摘要",
        "source": "full_text",
        "figure_label": "Figure 1",
        "figure_url": "https://arxiv.org/html/2402.01349v2/x1.png",
        "figure_caption": "Overview.",
    }
    values.update(summary)
    return build_card(MCQA.to_paper(), Summary(**values), ("cs.CL",), "A liked paper")  # type: ignore[arg-type]


def _labels_only(text: str) -> str:
    for noise in ("fake-model-1", "Figure 1", "Overview.", "A liked paper"):  # content, not labels
        text = text.replace(noise, "")
    return re.sub(r"https?://\S+", "", text)


def test_a_chinese_card_has_chinese_labels_on_every_platform() -> None:
    card = _zh_card()
    telegram = parse_html("\n\n".join(card_blocks(card))).text
    assert english_words(_labels_only(telegram)) == set()
    for label in (
        "一句话总结",
        "要点",
        "摘要（简体中文）",
        "根据全文（HTML 第 2 版）撰写",
        "提交于 2024年2月2日",
    ):
        assert label in telegram
    embed = card_embed(card)
    parts = [embed["description"], embed["footer"]["text"]]
    parts += [f"{field['name']}\n{field['value']}" for field in embed["fields"]]
    words = english_words(_labels_only("\n".join(parts)))
    assert words == set()
    assert card_text(card).labels.takeaways == "要点"


def test_a_chinese_extractive_fallback_says_why_in_chinese() -> None:
    card = _zh_card(
        model="extractive", fallback_reason="the language model answered HTTP 503", source="abstract"
    )
    note = card_text(card).note
    assert note == "抽取式摘要（语言模型返回了 HTTP 503）：句子直接摘自论文摘要。"


def test_a_chinese_digest_header_and_more_line() -> None:
    header = DigestHeader(date(2026, 11, 21), 12, ("cs.CL",), below=2, language="zh")
    text = parse_html(header_block(header)).text
    assert text.startswith("📚 arXiv 日报 · 2026年11月21日 周六\ncs.CL 有 12 篇新论文")
    assert english_words(text) == set()
    card = _zh_card()
    message = DigestMessage(((card, "link"),), header, more=1, language="zh")
    rendered = parse_html(render_digest(message)[0]).text
    assert "另有 1 篇新论文" in rendered
    assert english_words(_labels_only(rendered)) == set()
    discord = digest_payload(message)
    values = [str(value) for embed in discord["embeds"] for value in embed.values()]
    assert english_words(_labels_only(discord["content"] + " ".join(values))) == set()
