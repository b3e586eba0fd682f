"""Topic parsing: canonical forms, friendly errors, and properties over random input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.topics import MAX_TOPIC_LENGTH, Topic, TopicError, parse_topic, stored_topic
from bot.core.topics.query import All, Any, Node, Term, Without, normalise, parse_query, render
from bot.core.topics.taxonomy import complete_category
from bot.core.topics.taxonomy_data import ARCHIVES, CATEGORIES


@pytest.mark.parametrize(
    ("text", "kind", "canonical"),
    [
        ("cs.CL", "category", "cs.CL"),
        ("  CS.cl ", "category", "cs.CL"),
        ("cat:cs.cl", "category", "cs.CL"),
        ("math.AP", "category", "math.AP"),
        ("astro-ph.GA", "category", "astro-ph.GA"),
        ("cs", "category", "cs"),
        ("hep-th", "category", "hep-th"),
        ("few-shot learning", "query", 'all:"few-shot learning"'),
        ('"few-shot" AND cat:cs.LG', "query", 'all:"few-shot" AND cat:cs.LG'),
        ('cat:cs.LG AND "Few-Shot"', "query", 'all:"few-shot" AND cat:cs.LG'),
        ('ti:"Large Language Models" ANDNOT au:smith', "query", 'ti:"large language models" ANDNOT au:smith'),
        (
            "ti:transformer OR (au:hinton AND cat:cs.LG)",
            "query",
            "(au:hinton AND cat:cs.LG) OR ti:transformer",
        ),
        ("(ti:a AND ti:b) AND ti:a", "query", "ti:a AND ti:b"),
        ("abs:diffusion OR abs:diffusion", "query", "abs:diffusion"),
        ("node.js", "query", "all:node.js"),
    ],
)
def test_canonical_forms(text: str, kind: str, canonical: str) -> None:
    assert parse_topic(text) == Topic(kind, canonical)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no topic"),
        ("cs.CLL", "Did you mean cs.CL"),
        ("cat:cs.XY", "not an arXiv category"),
        ('"few-shot', "quote is not closed"),
        ("(ti:a OR ti:b", "( is not closed"),
        ("ti:a)", ") without a matching ("),
        ("foo:bar", "unknown field foo:"),
        ("ti:", "ti: needs a word"),
        ("AND ti:a", "AND needs a term on both sides"),
        ("ti:a OR", "ends with an operator"),
        ("ti:a ti:b", "put AND, OR or ANDNOT before"),
        ('""', "empty phrase"),
        ("x" * (MAX_TOPIC_LENGTH + 1), f"at most {MAX_TOPIC_LENGTH} characters"),
    ],
)
def test_errors_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(TopicError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_topic(text)


def test_whole_taxonomy_is_accepted() -> None:
    for name in [*ARCHIVES, *CATEGORIES]:
        assert parse_topic(name.upper()) == Topic("category", name)


def test_labels_and_api_queries() -> None:
    topic = parse_topic("cs.CL")
    assert topic.label == "cs.CL (Computation and Language)"
    assert topic.api_query == "cat:cs.CL"
    assert parse_topic("few-shot").api_query == 'all:"few-shot"'


_pieces = st.sampled_from(
    [
        "ti:",
        "abs:",
        "au:",
        "cat:",
        "all:",
        "foo:",
        "AND",
        "OR",
        "ANDNOT",
        "and",
        "(",
        ")",
        '"',
        " ",
        " ",
        " ",
        "cs.CL",
        "cs.LG",
        "math",
        "few-shot",
        "learning",
        "Transformer",
        "x",
        "é",
        "İ",
        "\t",
        ".",
        "-",
        ":",
    ]
)
topic_texts = st.lists(_pieces, max_size=30).map("".join) | st.text(max_size=250)


def topic_or_reason(text: str) -> Topic | str:
    """The parsed topic, or why it was rejected."""
    try:
        return parse_topic(text)
    except TopicError as exc:
        return str(exc)


@settings(max_examples=400, deadline=None)
@given(topic_texts)
def test_parser_never_crashes_and_canonical_form_is_stable(text: str) -> None:
    topic = topic_or_reason(text)
    if isinstance(topic, str):
        assert topic  # every rejection explains itself
        return
    again = parse_topic(topic.canonical)
    assert again == topic
    assert parse_topic(again.canonical) == again


# Long queries near the limit: many OR'ed terms, each longer once written out (`all:"…"`).
_words = st.text(alphabet="abcdefghij-", min_size=1, max_size=9).filter(lambda w: w.strip("-"))
long_queries = st.lists(_words, min_size=5, max_size=40).map(" OR ".join)


@settings(max_examples=300, deadline=None)
@given(topic_texts | long_queries)
def test_every_accepted_topic_reparses_from_its_stored_form(text: str) -> None:
    topic = topic_or_reason(text)
    if isinstance(topic, str):
        return
    assert len(topic.canonical) <= MAX_TOPIC_LENGTH
    assert parse_topic(topic.canonical) == topic  # what /unsubscribe reads when /topics is copied
    assert stored_topic(topic.canonical) == topic  # what /topics and digests read


def test_twenty_or_terms_are_refused_when_their_written_form_is_too_long() -> None:
    words = " OR ".join(f"term{n}" for n in range(20))  # 186 characters typed, 266 written out (`all:` each)
    assert len(words) <= MAX_TOPIC_LENGTH
    with pytest.raises(TopicError, match="written out in full it is 266 characters long"):
        parse_topic(words)


def test_a_longer_topic_stored_by_an_older_release_still_reads() -> None:
    legacy = " OR ".join(f"all:term{n}" for n in sorted(range(22), key=str))
    assert len(legacy) > MAX_TOPIC_LENGTH
    topic = stored_topic(legacy)
    assert topic is not None
    assert topic.canonical == legacy
    assert stored_topic("cs.RETIRED") is None
    assert stored_topic('ti:"unclosed') is None


@pytest.mark.parametrize(
    ("text", "codepoint"),
    [
        ("few\u200bshot", "U+200B"),  # zero-width space
        ("cs.CL\u202e", "U+202E"),  # right-to-left override
        ("ti:\u2066diffusion", "U+2066"),  # bidi isolate
        ("ti:bell\x07", "U+0007"),
        ("ti:x\ue000", "U+E000"),  # private use
    ],
)
def test_invisible_and_control_characters_are_refused(text: str, codepoint: str) -> None:
    with pytest.raises(TopicError, match=re.escape(f"invisible or control character ({codepoint})")):
        parse_topic(text)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("ｃｓ．ＣＬ", "cs.CL"),  # full-width
        ("ti:ﬁne-tuning", 'ti:"fine-tuning"'),  # a ligature
        ('"few-shot"\nAND\tcat:cs.LG', 'all:"few-shot" AND cat:cs.LG'),  # line breaks are spacing
        ("ti:gpt-٤", 'ti:"gpt-4"'),  # Arabic-Indic digit
    ],
)
def test_input_is_read_in_its_compatibility_form(text: str, canonical: str) -> None:
    assert parse_topic(text).canonical == canonical


@given(
    st.text(min_size=MAX_TOPIC_LENGTH + 1, max_size=400).filter(lambda t: len(t.strip()) > MAX_TOPIC_LENGTH)
)
def test_overlong_input_is_rejected(text: str) -> None:
    with pytest.raises(TopicError, match="at most"):
        parse_topic(text)


values = st.text(alphabet="abcxyz-. 12", min_size=1, max_size=12).filter(lambda v: v.strip())
terms = st.builds(
    Term, st.sampled_from(["ti", "abs", "au", "all"]), values.map(lambda v: " ".join(v.split()))
)
nodes: st.SearchStrategy[Node] = st.recursive(
    terms,
    lambda children: st.one_of(
        st.builds(lambda items: All(tuple(items)), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda items: Any(tuple(items)), st.lists(children, min_size=2, max_size=3)),
        st.builds(Without, children, children),
    ),
    max_leaves=8,
)


@given(nodes)
def test_render_then_parse_is_identity_on_normal_forms(node: Node) -> None:
    normal = normalise(node)
    assert parse_query(render(normal)) == normal


@pytest.mark.parametrize(
    ("typed", "first"),
    [("cs.c", "cs.CC"), ("CS.CL", "cs.CL"), ("language", "cs.CL"), ("astro", "astro-ph"), ("", "astro-ph")],
)
def test_category_autocomplete(typed: str, first: str) -> None:
    choices = complete_category(typed)
    assert 0 < len(choices) <= 25
    assert choices[0][0] == first
    assert all(len(label) <= 100 and label.startswith(code) for code, label in choices)


def test_autocomplete_of_nonsense_is_empty() -> None:
    assert complete_category("zzzz-no-such") == []
