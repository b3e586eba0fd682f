"""A local fake of the arXiv API (`/api/query`), answering in arXiv's own Atom format.

Like arXiv it answers an unknown but well-formed id with an empty feed, a malformed id with HTTP 400
and an error entry, and can be made to fail: 503, hang, or send an unreadable page.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from bot.core.timing import announcement_date
from tests.fakes.arxiv_html import PNG, latexml_page
from tests.fakes.papers import ALL_PAPERS, FakePaper
from tests.fakes.server import LocalServer

ATOM_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?{query}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: {query}</title>
  <id>http://arxiv.org/api/fake</id>
  <updated>2026-11-21T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{start}</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{per_page}</opensearch:itemsPerPage>
"""
_OLD_ARCHIVES = {
    "hep-th",
    "hep-ph",
    "hep-ex",
    "hep-lat",
    "astro-ph",
    "cond-mat",
    "gr-qc",
    "math",
    "math-ph",
    "nlin",
    "nucl-th",
    "nucl-ex",
    "physics",
    "quant-ph",
    "cs",
    "q-bio",
    "q-fin",
    "stat",
}


def well_formed(arxiv_id: str) -> bool:
    """Whether arXiv would accept the id's format (not whether the paper exists)."""
    new = re.fullmatch(r"(\d{2})(\d{2})\.(\d{4,5})(v\d+)?", arxiv_id)
    if new:
        yymm, digits = int(new.group(1) + new.group(2)), len(new.group(3))
        month_ok = 1 <= int(new.group(2)) <= 12
        return month_ok and ((digits == 4 and 704 <= yymm <= 1412) or (digits == 5 and yymm >= 1501))
    old = re.fullmatch(r"([a-z-]+)/(\d{2})(\d{2})\d{3}(v\d+)?", arxiv_id)
    if old is None:
        return False
    return old.group(1) in _OLD_ARCHIVES and 1 <= int(old.group(3)) <= 12


def entry_xml(paper: FakePaper) -> str:
    """One paper as arXiv's Atom <entry>."""
    vid = f"{paper.arxiv_id}v{paper.version}"
    authors = "".join(f"\n    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in paper.authors)
    comment = (
        f'\n    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">{escape(paper.comment)}</arxiv:comment>'
        if paper.comment
        else ""
    )
    categories = "".join(
        f'\n    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
        for c in paper.categories
    )
    return f"""  <entry>
    <id>http://arxiv.org/abs/{vid}</id>
    <updated>{paper.updated}</updated>
    <published>{paper.published}</published>
    <title>{escape(paper.title)}</title>
    <summary>  {escape(paper.abstract)}
</summary>{authors}{comment}
    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{paper.categories[0]}" scheme="http://arxiv.org/schemas/atom"/>{categories}
  </entry>
"""


def error_feed(query: str, arxiv_id: str) -> str:
    """arXiv's HTTP 400 body for a malformed id."""
    reason = f"incorrect_id_format_for_{arxiv_id}"
    return (
        ATOM_HEAD.format(query=escape(query), total=1, start=0, per_page=1)
        + f"""  <entry>
    <id>http://arxiv.org/api/errors#{reason}</id>
    <title>Error</title>
    <summary>incorrect id format for {escape(arxiv_id)}</summary>
    <updated>2026-11-21T00:00:00-05:00</updated>
    <link href="http://arxiv.org/api/errors#{reason}" rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""
    )


def rfc822(day: date) -> str:
    """A listing day as arXiv writes it in the feed: midnight Eastern (EST)."""
    return f"{day:%a, %d %b %Y} 00:00:00 -0500"


def rss_item(paper: FakePaper, announce_type: str, day: date) -> str:
    """One paper as an item of arXiv's announcement RSS."""
    vid = f"{paper.arxiv_id}v{paper.version}"
    categories = "".join(f"\n      <category>{escape(c)}</category>" for c in paper.categories)
    description = f"arXiv:{vid} Announce Type: {announce_type} \nAbstract: {paper.abstract}"
    return f"""    <item>
      <title>{escape(" ".join(paper.title.split()))}</title>
      <link>https://arxiv.org/abs/{paper.arxiv_id}</link>
      <description>{escape(description)}</description>
      <guid isPermaLink="false">oai:arXiv.org:{vid}</guid>{categories}
      <pubDate>{rfc822(day)}</pubDate>
      <arxiv:announce_type>{announce_type}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>{escape(", ".join(paper.authors))}</dc:creator>
    </item>
"""


def rss_feed(categories: str, items: list[tuple[FakePaper, str]], day: date) -> str:
    """An arXiv announcement feed for a listing day (empty on days without announcements)."""
    body = "".join(rss_item(p, kind, day) for p, kind in items)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
  <channel>
    <title>{escape(categories)} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{escape(categories)}</link>
    <description>{escape(categories)} updates on the arXiv.org e-print archive.</description>
    <atom:link href="https://rss.arxiv.org/rss/{escape(categories)}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{day:%a, %d %b %Y} 05:00:00 +0000</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{rfc822(day)}</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>
{body}  </channel>
</rss>
"""


def matches(node: object, paper: FakePaper) -> bool:
    """Whether a parsed query matches a paper, as arXiv's search would (substring, case-insensitive)."""
    from bot.core.topics.query import All, Any, Term, Without

    if isinstance(node, Term):
        fields = {
            "ti": [paper.title],
            "abs": [paper.abstract],
            "au": list(paper.authors),
            "cat": list(paper.categories),
            "all": [paper.title, paper.abstract, *paper.authors, *paper.categories],
        }[node.field]
        if node.field == "cat":
            return any(c == node.value or c.startswith(node.value + ".") for c in fields)
        return any(node.value in " ".join(f.lower().split()) for f in fields)
    if isinstance(node, All):
        return all(matches(item, paper) for item in node.items)
    if isinstance(node, Any):
        return any(matches(item, paper) for item in node.items)
    assert isinstance(node, Without)
    return matches(node.left, paper) and not matches(node.right, paper)


@dataclass
class FakeArxiv(LocalServer):
    """The fake server; `mode` (API) and `rss_mode` are "ok", "503", "hang" or "garbage".

    `listings` maps a category to the announcements of the listing day `today` (paper, announce type);
    an empty listing is a day without announcements (weekends, holidays). Feeds carry an ETag and a
    Last-Modified and answer a conditional request for an unchanged feed with 304; `rss_mode` "429" and
    "503" answer with a Retry-After.
    """

    papers: dict[str, FakePaper] = field(default_factory=lambda: {p.arxiv_id: p for p in ALL_PAPERS})
    mode: str = "ok"  # the API: ok, 503, 429, hang, garbage or results_but_none
    rss_mode: str = "ok"
    requests: list[dict[str, str]] = field(default_factory=list)
    rss_requests: list[str] = field(default_factory=list)
    listings: dict[str, list[tuple[FakePaper, str]]] = field(default_factory=dict)
    delay: float = 0.0
    today: date = field(default_factory=lambda: announcement_date(datetime.now(UTC)))  # as arXiv's own
    retry_after: int | None = None  # the Retry-After of a 429 or 503, if any
    not_modified: int = 0  # conditional feed requests answered 304
    user_agents: set[str] = field(default_factory=set)  # every User-Agent that asked
    html_mode: str = "ok"  # the HTML pages: ok, 503, 429, hang or garbage
    no_html: set[str] = field(default_factory=set)  # papers arXiv could not convert (404)
    huge_html: set[str] = field(default_factory=set)  # papers whose page is about 400 KB
    injections: dict[str, str] = field(default_factory=dict)  # text planted in a paper's method section
    html_requests: list[str] = field(default_factory=list)  # every page and image asked for

    def __post_init__(self) -> None:
        LocalServer.__init__(self)

    async def __aenter__(self) -> FakeArxiv:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def routes(self, app: web.Application) -> None:
        """Register the fake's endpoints."""
        app.router.add_get("/api/query", self._query)
        app.router.add_get("/rss/{categories}", self._rss)
        app.router.add_get("/html/{versioned}", self._html_redirect)
        app.router.add_get("/html/{versioned}/", self._html)
        app.router.add_get("/html/{versioned}/{file:.+}", self._html_file)

    @property
    def html_url(self) -> str:
        """The value for ARXIV_HTML_URL."""
        return f"http://127.0.0.1:{self.port}/html"

    def _html_paper(self, versioned: str) -> tuple[FakePaper, int] | None:
        match = re.fullmatch(r"(.+)v(\d+)", versioned)
        if not match or match.group(1) not in self.papers or match.group(1) in self.no_html:
            return None
        paper, version = self.papers[match.group(1)], int(match.group(2))
        return (paper, version) if 1 <= version <= paper.version else None

    async def _html_redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(f"/html/{request.match_info['versioned']}/")

    async def _html(self, request: web.Request) -> web.Response:
        versioned = request.match_info["versioned"]
        self.html_requests.append(versioned)
        self.user_agents.add(request.headers.get("User-Agent", ""))
        if self.html_mode in {"503", "429"}:
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
            return web.Response(status=int(self.html_mode), text="Service Unavailable", headers=headers)
        if self.html_mode == "hang":
            await asyncio.sleep(3600)
        if self.html_mode == "garbage":
            return web.Response(text="<html><body>Rate exceeded.</body></html>", content_type="text/html")
        found = self._html_paper(versioned)
        if found is None:
            return web.Response(status=404, text=f"No HTML for '{versioned}'", content_type="text/html")
        paper, version = found
        page = latexml_page(
            paper,
            version,
            huge=paper.arxiv_id in self.huge_html,
            injection=self.injections.get(paper.arxiv_id),
        )
        return web.Response(text=page, content_type="text/html")

    async def _html_file(self, request: web.Request) -> web.Response:
        versioned, name = request.match_info["versioned"], request.match_info["file"]
        self.html_requests.append(f"{versioned}/{name}")
        if self._html_paper(versioned) is None or name not in {
            "x1.png",
            "extracted/5011/figures/results.png",
        }:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=PNG, content_type="image/png")

    @property
    def api_url(self) -> str:
        """The value for ARXIV_API_URL."""
        return f"http://127.0.0.1:{self.port}/api/query"

    @property
    def rss_url(self) -> str:
        """The value for ARXIV_RSS_URL."""
        return f"http://127.0.0.1:{self.port}/rss"

    def announce(self, category: str, paper: FakePaper, announce_type: str = "new") -> None:
        """Add a paper to today's listing of a category (and make the API know it)."""
        self.papers[paper.arxiv_id] = paper
        self.listings.setdefault(category, []).append((paper, announce_type))

    def new_day(self, day: date, announcements: dict[str, list[tuple[FakePaper, str]]] | None = None) -> None:
        """arXiv rebuilds its feeds for listing day `day` (at midnight Eastern): the old listing is gone."""
        self.today = day
        self.listings = {}
        for category, items in (announcements or {}).items():
            for paper, kind in items:
                self.announce(category, paper, kind)

    async def _rss(self, request: web.Request) -> web.Response:
        categories = request.match_info["categories"]
        self.rss_requests.append(categories)
        self.user_agents.add(request.headers.get("User-Agent", ""))
        if self.rss_mode in {"503", "429"}:
            status = int(self.rss_mode)
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
            return web.Response(status=status, text="Service Temporarily Unavailable", headers=headers)
        if self.rss_mode == "hang":
            await asyncio.sleep(3600)
        if self.rss_mode == "garbage":
            return web.Response(text="<html><body>Rate exceeded.</body></html>", content_type="text/html")
        seen: set[str] = set()
        items: list[tuple[FakePaper, str]] = []
        for category in categories.split("+"):
            for paper, kind in self.listings.get(category, []):
                if paper.arxiv_id not in seen:
                    seen.add(paper.arxiv_id)
                    items.append((paper, kind))
        body = rss_feed(categories, items, self.today)
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
        modified = f"{self.today:%a, %d %b %Y} 05:00:00 GMT"
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in request.headers and request.headers.get("If-Modified-Since") == modified
        ):
            self.not_modified += 1
            return web.Response(status=304, headers=headers)
        return web.Response(text=body, content_type="application/rss+xml", headers=headers)

    async def _query(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        self.user_agents.add(request.headers.get("User-Agent", ""))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode in {"503", "429"}:
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
            return web.Response(
                status=int(self.mode), text="Service Temporarily Unavailable", headers=headers
            )
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "garbage":
            return web.Response(text="<html><body>Rate exceeded.</body>", content_type="text/html")
        query = request.query_string
        if self.mode == "results_but_none":  # arXiv's known flake: a total of results, and no entries
            body = ATOM_HEAD.format(query=escape(query), total=1, start=0, per_page=0) + "</feed>\n"
            return web.Response(text=body, content_type="application/atom+xml")
        if request.query.get("search_query"):
            return self._search(query, request.query["search_query"], request)
        ids = [i for i in request.query.get("id_list", "").split(",") if i]
        for arxiv_id in ids:
            if not well_formed(arxiv_id):
                return web.Response(
                    status=400, text=error_feed(query, arxiv_id), content_type="application/atom+xml"
                )
        found = [self.papers[re.sub(r"v\d+$", "", i)] for i in ids if re.sub(r"v\d+$", "", i) in self.papers]
        return self._page(query, found, request)

    def _page(self, query: str, found: list[FakePaper], request: web.Request) -> web.Response:
        start = int(request.query.get("start", "0"))
        per_page = int(request.query.get("max_results", "10"))
        page = found[start : start + per_page]
        body = ATOM_HEAD.format(query=escape(query), total=len(found), start=start, per_page=len(page))
        body += "".join(entry_xml(p) for p in page) + "</feed>\n"
        return web.Response(text=body, content_type="application/atom+xml")

    def _search(self, query: str, search_query: str, request: web.Request) -> web.Response:
        from bot.core.topics.query import TopicError, parse_query

        window = re.search(r"\s+AND\s+submittedDate:\[(\d{12}) TO (\d{12})\]$", search_query)
        text = search_query[: window.start()] if window else search_query
        try:
            node = parse_query(text)
        except TopicError:
            return web.Response(
                status=400, text=error_feed(query, "search_query"), content_type="application/atom+xml"
            )
        found = []
        for paper in self.papers.values():
            submitted = re.sub(r"\D", "", paper.published)[:12]
            if window and not window.group(1) <= submitted <= window.group(2):
                continue
            if matches(node, paper):
                found.append(paper)
        found.sort(key=lambda p: p.published, reverse=True)
        return self._page(query, found, request)
