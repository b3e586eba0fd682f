"""A local fake of the arXiv API (`/api/query`), answering in arXiv's own Atom format.

Like arXiv it answers an unknown but well-formed id with an empty feed, a malformed id with HTTP 400
and an error entry, and can be made to fail: 503, hang, or send an unreadable page.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

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


@dataclass
class FakeArxiv(LocalServer):
    """The fake server; `mode` is "ok", "503", "hang" or "garbage"."""

    papers: dict[str, FakePaper] = field(default_factory=lambda: {p.arxiv_id: p for p in ALL_PAPERS})
    mode: str = "ok"
    requests: list[dict[str, str]] = field(default_factory=list)
    delay: float = 0.0

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

    @property
    def api_url(self) -> str:
        """The value for ARXIV_API_URL."""
        return f"http://127.0.0.1:{self.port}/api/query"

    async def _query(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.mode == "503":
            return web.Response(status=503, text="Service Temporarily Unavailable")
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "garbage":
            return web.Response(text="<html><body>Rate exceeded.</body>", content_type="text/html")
        query = request.query_string
        ids = [i for i in request.query.get("id_list", "").split(",") if i]
        for arxiv_id in ids:
            if not well_formed(arxiv_id):
                return web.Response(
                    status=400, text=error_feed(query, arxiv_id), content_type="application/atom+xml"
                )
        found = [self.papers[re.sub(r"v\d+$", "", i)] for i in ids if re.sub(r"v\d+$", "", i) in self.papers]
        start = int(request.query.get("start", "0"))
        per_page = int(request.query.get("max_results", "10"))
        page = found[start : start + per_page]
        body = ATOM_HEAD.format(query=escape(query), total=len(found), start=start, per_page=len(page))
        body += "".join(entry_xml(p) for p in page) + "</feed>\n"
        return web.Response(text=body, content_type="application/atom+xml")
