"""What a chat likes: seed papers (/like, /dislike, /likes) and 👍/👎 on digest cards.

Seeds and votes feed the chat's profile, which orders its next digests (scheduler/relevance.py). In
groups, seeds follow the same rule as /subscribe (admins only); any member may vote, once per paper.
"""

from __future__ import annotations

import re

from bot.arxiv.client import ArxivError, PaperNotFoundError
from bot.cards.feedback import vote_buttons, vote_payload
from bot.core.arxiv_ids import EXAMPLE_ID, InvalidArxivIdError, parse_arxiv_id
from bot.core.i18n import _, fill, ngettext
from bot.core.models import Button, Paper, Span, TextReply, bold, code
from bot.core.text import shorten
from bot.store.feedback import MAX_SEEDS, Polarity
from handlers.context import ButtonAnswer, CommandContext
from handlers.permissions import refusal
from handlers.summarize import invalid_id_reply, lookup_failure_reply

SEED_PREFIX = "seed:"
MAX_PER_COMMAND = 10
_SEPARATORS = re.compile(r"[\s,;]+")


def _usage(name: str) -> TextReply:
    template = _("Tell me which papers, by arXiv id or link, for example {example}.")
    return TextReply.error(*fill(template, example=code(f"/{name} {EXAMPLE_ID} 2404.00242")))


async def _papers(ctx: CommandContext, name: str) -> list[Paper] | TextReply:
    """The papers named in the arguments, or why they cannot be used (nothing is changed then)."""
    words = [w for w in _SEPARATORS.split(ctx.args.strip()) if w]
    if not words:
        return _usage(name)
    if len(words) > MAX_PER_COMMAND:
        template = _("At most {limit} papers at a time, please. For example: {example}.")
        return TextReply.error(
            *fill(template.replace("{limit}", str(MAX_PER_COMMAND)), example=code(f"/{name} {EXAMPLE_ID}"))
        )
    ids = []
    for word in words:
        try:
            ids.append(parse_arxiv_id(word).id)
        except InvalidArxivIdError as exc:
            return invalid_id_reply(exc)
    ids = list(dict.fromkeys(ids))
    try:  # checked with arXiv (one request for all): a typo must not become a silent seed
        return await ctx.services.papers.get_many(ids)
    except PaperNotFoundError as exc:
        return lookup_failure_reply(str(exc.args[0]) if exc.args else ids[0], exc)
    except ArxivError as exc:
        return lookup_failure_reply(ids[0], exc)


async def _seed(ctx: CommandContext, polarity: Polarity, name: str) -> TextReply:
    papers = await _papers(ctx, name)
    if isinstance(papers, TextReply):
        return papers
    if (refused := await refusal(ctx)) is not None:
        return refused
    existing = {s.paper_id for s in await ctx.services.feedback.seeds(ctx.chat)}
    new = [p for p in papers if p.arxiv_id not in existing]
    if len(existing) + len(new) > MAX_SEEDS:
        template = _(
            "This chat already has {count} liked and disliked papers; {limit} is the most. "
            "Remove some with {likes} first."
        )
        template = template.replace("{count}", str(len(existing))).replace("{limit}", str(MAX_SEEDS))
        return TextReply.error(*fill(template, likes=code("/likes")))
    await ctx.ensure_state()
    await ctx.services.feedback.add_seeds(ctx.chat, [p.arxiv_id for p in papers], polarity)
    if polarity == 1:
        heading = _("👍 More like these:") if len(papers) > 1 else _("👍 More like this:")
    else:
        heading = _("👎 Less like these:") if len(papers) > 1 else _("👎 Less like this:")
    spans: list[Span | str] = [heading, "\n" if len(papers) > 1 else " "]
    for paper in papers:
        spans += ["• " if len(papers) > 1 else "", bold(shorten(" ".join(paper.title.split()), 120)), "\n"]
    spans += fill(
        _("Your next digests are ordered by it; {likes} lists and removes them."), likes=code("/likes")
    )
    return TextReply.of(*spans)


async def like(ctx: CommandContext) -> TextReply:
    """/like: papers this chat wants more of."""
    return await _seed(ctx, 1, "like")


async def dislike(ctx: CommandContext) -> TextReply:
    """/dislike: papers this chat wants less of."""
    return await _seed(ctx, -1, "dislike")


async def likes(ctx: CommandContext) -> TextReply:
    """/likes: the seed papers, each with a remove button."""
    return await likes_reply(ctx)


async def likes_reply(ctx: CommandContext) -> TextReply:
    """The /likes message (also refreshed after a remove button)."""
    seeds = await ctx.services.feedback.seeds(ctx.chat)
    if not seeds:
        template = _(
            "This chat has no liked or disliked papers yet. Try {example}; "
            "👍 and 👎 under digest cards count too."
        )
        return TextReply.of(*fill(template, example=code(f"/like {EXAMPLE_ID}")))
    try:
        papers = {p.arxiv_id: p for p in await ctx.services.papers.get_many([s.paper_id for s in seeds])}
    except ArxivError:
        papers = {}  # titles are a nicety: the ids still say which papers
    heading = ngettext(
        "{count} paper shapes this chat's digests", "{count} papers shape this chat's digests", len(seeds)
    )
    spans: list[Span | str] = [bold(heading.format(count=len(seeds))), "\n"]
    buttons = []
    for seed in seeds:
        title = shorten(" ".join(papers[seed.paper_id].title.split()), 100) if seed.paper_id in papers else ""
        spans += ["👍 " if seed.polarity == 1 else "👎 ", code(seed.paper_id), f" {title}\n"]
        buttons.append(Button(f"✖ {seed.paper_id}", SEED_PREFIX + seed.paper_id))
    spans += ["\n", _("Tap a button to remove one.")]
    return TextReply.of(*spans, buttons=tuple(buttons))


async def remove_seed_button(ctx: CommandContext, paper_id: str) -> ButtonAnswer:
    """A pressed remove button on /likes."""
    if (refused := await refusal(ctx, toast=True)) is not None:
        return ButtonAnswer(refused.plain_text())
    removed = await ctx.services.feedback.remove_seed(ctx.chat, paper_id)
    notice = _("Removed {id}").format(id=paper_id) if removed else _("That paper was already removed.")
    return ButtonAnswer(notice, await likes_reply(ctx))


async def vote_button(ctx: CommandContext, argument: str) -> ButtonAnswer:
    """👍 or 👎 pressed under a digest card: one vote per member and paper, changed or withdrawn by
    pressing again; the buttons show the new counts, the card's text is never touched."""
    sign, _colon, paper_id = argument.partition(":")
    if sign not in {"+", "-"} or not paper_id or ctx.user is None:
        return ButtonAnswer(_("That button is not valid."))
    entry = await ctx.services.ledger.entry(ctx.chat, paper_id)
    if entry is None or entry.state not in {"sent", "uncertain"}:  # forged, or from another chat
        return ButtonAnswer(_("That paper was not in this chat's digests."))
    if not await ctx.is_member():
        return ButtonAnswer(_("Only members of this chat can vote here."))
    tally = await ctx.services.feedback.vote(ctx.chat, paper_id, ctx.user.key(), 1 if sign == "+" else -1)
    try:
        title = (await ctx.services.papers.get(paper_id)).title
    except ArxivError:
        title = paper_id
    up, down = vote_buttons(paper_id, title, tally.up, tally.down)
    if tally.mine == 0:
        notice = _("Vote withdrawn.")
    else:
        notice = _("👍 Noted: more like this.") if tally.mine == 1 else _("👎 Noted: less like this.")
    return ButtonAnswer(
        notice, relabel={vote_payload("+", paper_id): up.label, vote_payload("-", paper_id): down.label}
    )
