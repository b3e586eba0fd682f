"""Reading arXiv's HTML papers (LaTeXML output) into plain sections, figures and table captions.

The page is untrusted: it is parsed by Lexbor (selectolax), never executed or fetched further; only the
paper's own article is read (arXiv's header, navigation, footer, error banners, footnotes, citations,
the bibliography and the appendices are dropped), math becomes its TeX alt text, and everything kept
is bounded in size.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.core.fulltext import Figure, FullText, Section

MAX_PARAGRAPH_CHARS = 4_000  # one paragraph; LaTeXML sometimes folds a whole section into one
MAX_TEXT_CHARS = 150_000  # everything kept of one paper (a 40-page paper is ~120k characters)
MAX_SECTION_CHARS = 25_000  # one huge section must not crowd out the ones after it
MAX_CAPTION_CHARS = 600
MAX_FIGURES = 30
MIN_WORDS = 150  # fewer words than this in the sections is not a paper we can summarize from

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")  # what Telegram and Discord can preview

_DROPPED = ", ".join(
    (
        "script",
        "style",
        "noscript",
        "header",
        "nav",
        "footer",
        ".ltx_page_header",
        ".ltx_page_navbar",
        ".ltx_page_footer",
        ".ltx_page_logo",
        ".package-alerts",
        ".ltx_ERROR",
        ".ltx_bibliography",
        ".ltx_appendix",
        ".ltx_note",
        "cite",
        ".ltx_authors",
        ".ltx_dates",
        ".ltx_abstract",
        ".ltx_keywords",
        ".ltx_acknowledgements",
        ".ltx_acknowledgement",
    )
)
_SPACE = re.compile(r"\s+")


class NotLatexmlError(ValueError):
    """The page is not a LaTeXML paper (an error page, a placeholder, or too little text)."""


_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?)\]])")


def _text(node: LexborNode) -> str:
    # A separator keeps list items and table cells apart; it must not detach punctuation.
    text = _SPACE.sub(" ", node.text(deep=True, separator=" ", strip=False)).strip()
    return _BEFORE_PUNCTUATION.sub(r"\1", text)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("; "))
    return cut[: end + 1] if end > limit // 2 else cut.rstrip() + "…"


def _image_url(figure: LexborNode, base: str) -> str | None:
    image = figure.css_first("img")
    if image is None:
        return None
    src = (image.attributes.get("src") or "").strip()
    if not src or src.startswith("data:"):
        return None
    url = urljoin(base, src)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.path.lower().endswith(IMAGE_SUFFIXES):
        return None
    if parts.netloc != urlsplit(base).netloc:  # only arXiv's own copy: a page must not make us show
        return None  # (and every reader's client fetch) an image from anywhere else
    return url


def _caption(figure: LexborNode) -> tuple[str, str]:
    """(label, caption text) of a LaTeXML figure or table: `Figure 1`, `An overview of …`."""
    caption = figure.css_first("figcaption")
    if caption is None:
        return "", ""
    tag = caption.css_first(".ltx_tag")
    label = _text(tag).rstrip(" :.") if tag is not None else ""
    if tag is not None:
        tag.decompose()
    return label, _cap(_text(caption), MAX_CAPTION_CHARS)


def _has_class(node: LexborNode, name: str) -> bool:
    return name in (node.attributes.get("class") or "").split()


def _outermost(nodes: list[LexborNode], name: str) -> list[LexborNode]:
    """Nodes not nested in another node of class `name` (a figure's sub-panels belong to it)."""
    kept = []
    for node in nodes:
        parent = node.parent
        while parent is not None and not _has_class(parent, name):
            parent = parent.parent
        if parent is None:
            kept.append(node)
    return kept


def parse_latexml(page: str, page_url: str) -> FullText:
    """The paper in a LaTeXML page fetched from `page_url` (`…/html/2402.01349v2/`).

    Raises NotLatexmlError when the page holds no readable LaTeXML article.
    """
    tree = LexborHTMLParser(page)
    article = tree.css_first("article.ltx_document") or tree.css_first(".ltx_document")
    if article is None:
        raise NotLatexmlError("no LaTeXML document in the page")
    base_tag = tree.css_first("base[href]")
    base = urljoin(page_url, base_tag.attributes.get("href") or "") if base_tag is not None else page_url
    for node in article.css(_DROPPED):
        node.decompose()
    for math in article.css("math"):
        math.replace_with(" " + (math.attributes.get("alttext") or "").strip() + " ")

    figures = _figures(article, base)
    tables = _tables(article)
    sections = _sections(article)
    arxiv_id, version = _identity(page_url)
    found = FullText(arxiv_id, version, tuple(sections), tuple(figures), tuple(tables[:MAX_FIGURES]))
    if found.words < MIN_WORDS:
        raise NotLatexmlError(f"only {found.words} words of text in the page")
    return found


def _figures(article: LexborNode, base: str) -> list[Figure]:
    """Figures with an image (TikZ drawings have none), in order; each removed from the text."""
    figures: list[Figure] = []
    for node in _outermost(article.css("figure.ltx_figure"), "ltx_figure"):
        url = _image_url(node, base)
        label, caption = _caption(node)
        if url and len(figures) < MAX_FIGURES:
            figures.append(Figure(label or f"Figure {len(figures) + 1}", url, caption))
        node.decompose()
    return figures


def _tables(article: LexborNode) -> list[str]:
    """Table captions (`Table 1: …`), each table removed from the text."""
    tables: list[str] = []
    for node in _outermost(article.css("figure.ltx_table"), "ltx_table"):
        label, caption = _caption(node)
        if caption:
            tables.append(f"{label}: {caption}" if label else caption)
        node.decompose()
    return tables


def _sections(article: LexborNode) -> list[Section]:
    """Top-level sections (or the whole article, if it has none) with their paragraphs, bounded."""
    sections: list[Section] = []
    budget = MAX_TEXT_CHARS
    units = article.css("section.ltx_section") or [article]
    for unit in units:
        heading = unit.css_first(".ltx_title")
        title = _cap(_text(heading), 200) if heading is not None and unit is not article else ""
        paragraphs: list[str] = []
        room = MAX_SECTION_CHARS
        for para in _outermost(unit.css(".ltx_para"), "ltx_para"):
            if budget <= 0 or room <= 0:
                break
            text = _cap(_text(para), min(MAX_PARAGRAPH_CHARS, budget, room))
            if text:
                paragraphs.append(text)
                budget -= len(text)
                room -= len(text)
        if paragraphs:
            sections.append(Section(title, tuple(paragraphs)))
    return sections


def _identity(page_url: str) -> tuple[str, int]:
    match = re.search(r"/([^/]+?)v(\d+)/?$", urlsplit(page_url).path)
    return (match.group(1), int(match.group(2))) if match else ("", 0)
