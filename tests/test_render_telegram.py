"""Telegram HTML: escaping and splitting hold for any text, checked by the fake's strict parser."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards.layout import CAP_TITLE, CONTROL_CHARACTERS, clean
from bot.core.models import TextReply, bold, code, link
from bot.platforms.telegram import html as telegram_html
from bot.platforms.telegram.html import MESSAGE_LIMIT, pack, render_cards, render_text, visible_length
from tests.fakes.telegram_entities import EntityParseError, parse_html, utf16_len
from tests.support.cards import card

_pieces = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(
    [
        "<",
        ">",
        "&",
        '"',
        "'",
        "&amp;",
        "<b>",
        "</blockquote>",
        "&#x27;",
        "😀" * 50,
        "𝔘",
        "\u202e",
        "\x00",
        " ",
    ]
)
hostile = st.lists(_pieces, max_size=200).map("".join)


def check_messages(messages: list[str]) -> str:
    """Every message parses as Telegram HTML and fits the limit; returns the visible text of all."""
    assert messages
    visible = []
    for message in messages:
        parsed = parse_html(message)
        assert 0 < utf16_len(parsed.text) <= MESSAGE_LIMIT
        assert parsed.text.strip()
        assert visible_length(message) == utf16_len(parsed.text)
        visible.append(parsed.text)
    return "\n".join(visible)


@settings(max_examples=150, deadline=None)
@given(
    title=hostile,
    abstract=hostile,
    summary=hostile,
    tldr=hostile,
    comment=hostile,
    takeaways=st.lists(hostile, max_size=9),
    authors=st.lists(hostile, max_size=30),
    translated=st.none() | hostile,
)
def test_any_card_renders_to_valid_messages(
    title: str,
    abstract: str,
    summary: str,
    tldr: str,
    comment: str,
    takeaways: list[str],
    authors: list[str],
    translated: str | None,
) -> None:
    rendered = render_cards(
        [
            card(
                title=title,
                abstract=abstract,
                summary=summary,
                tldr=tldr,
                comment=comment,
                takeaways=tuple(takeaways),
                authors=tuple(authors),
                translated_abstract=translated,
                code_url="https://github.com/a/b?x=<y>&z",
            )
        ]
    )
    check_messages(rendered)


@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=80)
)
def test_text_is_shown_literally(title: str) -> None:
    shown = check_messages(render_cards([card(title=title)]))
    expected = clean(title, CAP_TITLE)  # control and direction characters dropped, spaces folded
    assert len(expected) == len(
        " ".join(CONTROL_CHARACTERS.sub("", title).split())
    )  # 80 characters are never cut
    assert expected in shown


def test_markup_in_untrusted_fields_is_escaped() -> None:
    rendered = render_cards([card(title="<b>x</b> & y", tldr="</blockquote><script>", abstract="a < b")])
    text = check_messages(rendered)
    assert "<b>x</b> & y" in text
    assert "</blockquote><script>" in text
    assert "<script>" not in "".join(rendered)


def test_many_cards_are_packed_several_per_message_and_never_split() -> None:
    cards = [card(arxiv_id=f"2402.{i:05d}", title=f"Paper {i}") for i in range(12)]
    messages = render_cards(cards)
    text = check_messages(messages)
    assert len(messages) < len(cards)
    for message in messages:  # every card that starts in a message also ends in it
        parsed = parse_html(message).text
        assert parsed.count("📄") == parsed.count("Summary by fake-model-1") >= 1
    assert all(f"Paper {i}" in text for i in range(12))


def test_oversized_card_is_split_between_blocks() -> None:
    big = card(
        summary="s" * 1500,
        abstract="a" * 3000,
        takeaways=tuple("t" * 400 for _ in range(7)),
        translated_abstract=None,
        title="T" * 300,
    )
    messages = render_cards([big])
    check_messages(messages)
    assert len(messages) >= 2


@settings(deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet="ab<&😀", min_size=1, max_size=1500), min_size=1, max_size=5),
        min_size=1,
        max_size=6,
    )
)
def test_pack_keeps_blocks_whole_and_within_limit(units: list[list[str]]) -> None:
    escaped = [[telegram_html.escape(block) for block in unit] for unit in units]
    messages = pack(escaped, limit=MESSAGE_LIMIT)
    for message in messages:
        assert visible_length(message) <= MESSAGE_LIMIT
        parse_html(message)
    joined = "\n\n".join(html.unescape(m) for m in messages)
    for unit in units:
        for block in unit:
            assert block in joined


@given(st.lists(st.text(max_size=9000), min_size=1, max_size=4))
def test_text_replies_always_fit(parts: list[str]) -> None:
    reply = TextReply.of(*[bold(p) if i % 2 else p for i, p in enumerate(parts)], code("/help"))
    check_messages(render_text(reply))


def test_link_and_code_spans() -> None:
    reply = TextReply.of("see ", link("a&b", "https://x.org/?a=1&b=2"), " or ", code("/summarize 1 < 2"))
    (message,) = render_text(reply)
    assert (
        message == 'see <a href="https://x.org/?a=1&amp;b=2">a&amp;b</a> or <code>/summarize 1 &lt; 2</code>'
    )


def test_strict_parser_rejects_what_telegram_rejects() -> None:
    for bad in [
        "<b>x",
        "x</b>",
        "<div>x</div>",
        "a & b",
        "&nbsp;",
        "<b><i>x</b></i>",
        "<a>x</a>",
        "<blockquote><blockquote>x</blockquote></blockquote>",
        "<code><b>x</b></code>",
        "1 < 2",
    ]:
        try:
            parse_html(bad)
        except EntityParseError:
            continue
        raise AssertionError(f"accepted {bad!r}")
