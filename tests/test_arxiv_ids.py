"""arXiv id parsing: every accepted form, every rejection, and properties over random input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.arxiv_ids import (
    MAX_INPUT_LENGTH,
    ArxivId,
    InvalidArxivIdError,
    find_arxiv_id,
    parse_arxiv_id,
    split_versioned_id,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2402.01349", ArxivId("2402.01349")),
        ("2402.01349v2", ArxivId("2402.01349", 2)),
        ("arXiv:2402.01349", ArxivId("2402.01349")),
        ("ARXIV:2402.01349", ArxivId("2402.01349")),
        ("arxiv: 2402.01349v3", ArxivId("2402.01349", 3)),
        ("https://arxiv.org/abs/2402.01349v1", ArxivId("2402.01349", 1)),
        ("https://arxiv.org/pdf/2402.01349.pdf", ArxivId("2402.01349")),
        ("https://arxiv.org/pdf/2402.01349v2", ArxivId("2402.01349", 2)),
        ("arxiv.org/html/2402.01349", ArxivId("2402.01349")),
        ("HTTPS://ArXiv.org/abs/2402.01349", ArxivId("2402.01349")),
        ("http://export.arxiv.org/abs/2402.01349?context=cs", ArxivId("2402.01349")),
        ("https://www.arxiv.org/abs/2402.01349/", ArxivId("2402.01349")),
        ("0704.0001", ArxivId("0704.0001")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("math.GT/0309136", ArxivId("math/0309136")),
        ("arXiv:math.GT/0309136v2", ArxivId("math/0309136", 2)),
        ("https://arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001")),
        ("  \t2402.01349 \n", ArxivId("2402.01349")),
    ],
)
def test_accepted_forms(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "2402.1349.1",
        "2402",
        "24020.1349",
        "2402.01349v0",
        "https://example.com/abs/2402.01349",
        "https://arxiv.org/list/cs.CL/new",
        "arxiv.org/abs/",
        "2402.01349 2402.01350",
        "hep_th/9901001",
        "hep-th/990100",
        "<b>2402.01349</b>",
        "2402.01349" + " " * 10 + "x",
        "https://arxiv.org/abs/2402.01349?" + "a" * 80,
    ],
)
def test_rejected_forms(text: str) -> None:
    with pytest.raises(InvalidArxivIdError) as info:
        parse_arxiv_id(text)
    assert info.value.reason


def test_overlong_input_says_so() -> None:
    with pytest.raises(InvalidArxivIdError, match="longer than 64"):
        parse_arxiv_id("2402.01349" + "x" * MAX_INPUT_LENGTH)


def test_split_versioned_id() -> None:
    assert split_versioned_id("2402.01349v2") == ("2402.01349", 2)
    assert split_versioned_id("hep-th/9901001v1") == ("hep-th/9901001", 1)
    assert split_versioned_id("2402.01349") == ("2402.01349", 1)


new_ids = st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}\Z")
versions = st.none() | st.integers(min_value=1, max_value=99)
wrappers = st.sampled_from(
    [
        "{}",
        "arXiv:{}",
        "arxiv:{}",
        "https://arxiv.org/abs/{}",
        "http://arxiv.org/pdf/{}.pdf",
        "arxiv.org/html/{}",
        "https://www.arxiv.org/abs/{}/",
    ]
)
space = st.text(alphabet=" \t\n", max_size=3)


@given(new_ids, versions, wrappers, space, space)
def test_every_wrapping_yields_the_bare_id(
    arxiv_id: str, version: int | None, wrapper: str, before: str, after: str
) -> None:
    versioned = arxiv_id + (f"v{version}" if version else "")
    parsed = parse_arxiv_id(before + wrapper.format(versioned) + after)
    assert parsed == ArxivId(arxiv_id, version)


def parse_or_reason(text: str) -> ArxivId | str:
    """The parsed id, or the rejection's reason."""
    try:
        return parse_arxiv_id(text)
    except InvalidArxivIdError as exc:
        return exc.reason


@given(st.text(max_size=200))
def test_never_crashes_and_result_is_canonical(text: str) -> None:
    parsed = parse_or_reason(text)
    if isinstance(parsed, str):
        assert parsed  # every rejection explains itself
        return
    assert len(text.strip()) <= MAX_INPUT_LENGTH
    assert parse_arxiv_id(parsed.id) == ArxivId(parsed.id)  # canonical ids parse to themselves
    assert "v" not in parsed.id.split("/")[-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("have you seen https://arxiv.org/abs/2402.01349v2? great paper", ArxivId("2402.01349", 2)),
        ("pdf: arxiv.org/pdf/2502.14816.pdf and also 2402.01349", ArxivId("2502.14816")),
        ("old one: hep-th/9901001", ArxivId("hep-th/9901001")),
        ("cite arXiv:2402.01349", ArxivId("2402.01349")),
        ("(2402.01349)", ArxivId("2402.01349")),
        ("version 12024.01349 is not an id", None),
        ("see example.com/abs/2402.01349", None),
        ("no id here", None),
        ("", None),
    ],
)
def test_find_the_first_id_in_a_message(text: str, expected: ArxivId | None) -> None:
    assert find_arxiv_id(text) == expected


@given(
    st.text(max_size=200),
    st.sampled_from(["2402.01349", "hep-th/9901001", "https://arxiv.org/abs/2502.14816v3"]),
)
def test_an_id_between_spaces_is_always_found(noise: str, link: str) -> None:
    found = find_arxiv_id(f"{noise} {link} {noise}")
    assert found is not None
    before = find_arxiv_id(noise)  # the noise may hold an id of its own, which then comes first
    assert found == (before or parse_arxiv_id(link))
