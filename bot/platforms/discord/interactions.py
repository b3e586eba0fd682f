"""Interactions in, answers out: a slash command, an autocomplete, a button or a message action becomes a
CommandContext for the registry's handler, and the handler's Reply becomes the interaction's answer.

Discord gives an interaction 3 seconds. A handler that has not finished after DEFER_AFTER seconds (a paper
the model is still reading, a digest being planned) is deferred — "thinking…" — and answered with a
follow-up; a personal reply (an error, the settings) is shown to the sender only, and when it comes after
a public "thinking…" that message is deleted first, so nobody else sees it. Every interaction gets an
answer, even when a handler fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import discord

from bot.core.chat_settings import SettingError, parse_language
from bot.core.models import ChatKind, ChatRef, Reply, TextReply, UserRef
from bot.platforms.base import Inbound
from bot.platforms.discord.embeds import reply_payloads
from bot.platforms.discord.permissions import MANAGERS, is_thread, may_manage, missing_to_post
from handlers import CommandContext
from handlers.completions import Choice
from handlers.context import ButtonAnswer
from handlers.failures import UNKNOWN_BUTTON, notice, sorry
from handlers.registry import Handler, Param, button_for

log = logging.getLogger(__name__)

DEFER_AFTER = 1.5  # seconds; Discord's deadline is 3 s from the interaction's creation
MAX_BUTTONS = 25  # five rows of five


def message_kwargs(body: Mapping[str, Any]) -> dict[str, Any]:
    """A rendered message body (embeds.reply_payloads) as discord.py's send/edit keyword arguments."""
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if body.get("content"):
        kwargs["content"] = body["content"]
    kwargs["embeds"] = [discord.Embed.from_dict(embed) for embed in body.get("embeds", [])]
    return kwargs


def buttons_view(reply: Reply) -> discord.ui.View | None:
    """A reply's buttons as a view of components (custom id = the registry payload), or None."""
    if not isinstance(reply, TextReply) or not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in reply.buttons[:MAX_BUTTONS]:
        view.add_item(
            discord.ui.Button(
                label=button.label[:80], custom_id=button.payload, style=discord.ButtonStyle.secondary
            )
        )
    view.stop()  # presses come back as interactions the runner routes by payload; nothing to keep in memory
    return view


class InteractionRunner:
    """Translates interactions into contexts, runs handlers and answers within Discord's deadline."""

    def __init__(self, inbound: Inbound) -> None:
        self._inbound = inbound

    # ----- interactions → contexts -----------------------------------------------------------------
    def context(self, interaction: discord.Interaction, args: str) -> CommandContext:
        """The platform-neutral context of an interaction."""
        config = self._inbound.commands.config
        in_dm = interaction.guild_id is None
        kind: ChatKind = "private" if in_dm else "group"
        locale = str(interaction.locale.value) if interaction.locale else None
        default_language = config.default_language
        if in_dm and locale:
            with contextlib.suppress(SettingError):
                default_language = parse_language(locale)
        channel = interaction.channel
        title = None
        if not in_dm and channel is not None:
            guild = (
                interaction.guild.name if interaction.guild is not None and interaction.guild.name else None
            )
            name = f"#{getattr(channel, 'name', None) or interaction.channel_id}"
            title = f"{name} ({guild})" if guild else name

        async def is_admin() -> bool:
            return may_manage(interaction.permissions)

        async def missing_rights() -> tuple[str, ...]:
            if in_dm:
                return ()
            return missing_to_post(interaction.app_permissions, thread=is_thread(channel))

        assert interaction.channel_id is not None  # every command, button and autocomplete has a channel
        return CommandContext(
            chat=ChatRef("discord", interaction.channel_id),
            chat_kind=kind,
            user=UserRef("discord", interaction.user.id, locale),
            args=args,
            default_language=default_language,
            services=self._inbound.commands,
            title=title,
            is_admin=is_admin,
            managers=MANAGERS,
            missing_rights=missing_rights,
            server_id=interaction.guild_id,
        )

    def context_for_message(self, message: discord.Message) -> CommandContext:
        """The context of a direct message to the bot (its text is the handler's `args`)."""
        return CommandContext(
            chat=ChatRef("discord", message.channel.id),
            chat_kind="private",
            user=UserRef("discord", message.author.id),
            args=message.content,
            default_language=self._inbound.commands.config.default_language,
            services=self._inbound.commands,
        )

    # ----- commands and message actions ----------------------------------------------------------
    async def run(self, interaction: discord.Interaction, handler: Handler, args: str) -> None:
        """Run a handler for an interaction and answer it, deferring when the handler is slow."""
        ctx = self.context(interaction, args)
        task: asyncio.Future[Reply | None] = asyncio.ensure_future(handler(ctx))
        deferred = await _defer_if_slow(interaction, task, thinking=True)
        try:
            reply = await task
        except Exception:
            log.exception("A command failed in Discord channel %s", interaction.channel_id)
            reply = None
        try:
            await self.answer(interaction, reply or await sorry(ctx), deferred=deferred)
        except discord.HTTPException:
            log.exception("Could not answer an interaction in channel %s", interaction.channel_id)

    async def answer(self, interaction: discord.Interaction, reply: Reply, *, deferred: bool) -> None:
        """Send a reply as the interaction's answer (a personal one to the sender only)."""
        personal = isinstance(reply, TextReply) and reply.personal
        bodies = [message_kwargs(body) for body in reply_payloads(reply)]
        view = buttons_view(reply)
        if view is not None:
            bodies[-1]["view"] = view
        if deferred and personal:
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()  # "thinking…" was public
        for index, body in enumerate(bodies):
            if index == 0 and not deferred:
                await interaction.response.send_message(ephemeral=personal, **body)
            else:
                await interaction.followup.send(ephemeral=personal, wait=True, **body)

    # ----- buttons -------------------------------------------------------------------------------
    async def press(self, interaction: discord.Interaction) -> None:
        """A pressed button: the registry's answer as a private notice, and the pressed message refreshed."""
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        found = button_for(custom_id)
        ctx = self.context(interaction, "")
        if found is None:
            await interaction.response.send_message(await notice(ctx, UNKNOWN_BUTTON), ephemeral=True)
            return
        entry, argument = found
        task = asyncio.ensure_future(entry.handler(ctx, argument))
        deferred = await _defer_if_slow(interaction, task, thinking=False)  # a deferred update
        try:
            answer = await task
        except Exception:
            log.exception("A button failed in Discord channel %s", interaction.channel_id)
            answer = ButtonAnswer((await sorry(ctx)).plain_text())
        try:
            if answer.relabel and interaction.message is not None:
                await self._relabel(interaction, answer, deferred=deferred)
            else:
                await self._show(interaction, answer, deferred=deferred)
        except discord.HTTPException:
            log.exception("Could not answer a button in channel %s", interaction.channel_id)

    @staticmethod
    async def _relabel(interaction: discord.Interaction, answer: ButtonAnswer, *, deferred: bool) -> None:
        """New labels on the pressed message's buttons (its embeds stay), then the notice to the presser."""
        assert interaction.message is not None
        view = discord.ui.View(timeout=None)
        for row, component in enumerate(interaction.message.components):
            for child in getattr(component, "children", []):
                custom_id = getattr(child, "custom_id", None)
                if custom_id is None:
                    continue
                label = answer.relabel.get(custom_id, getattr(child, "label", None) or "·")
                view.add_item(
                    discord.ui.Button(label=label[:80], custom_id=custom_id, style=child.style, row=row)
                )
        view.stop()
        if deferred:
            await interaction.edit_original_response(view=view)
        else:
            await interaction.response.edit_message(view=view)
        await interaction.followup.send(answer.notice[:2000], ephemeral=True)

    @staticmethod
    async def _show(interaction: discord.Interaction, answer: ButtonAnswer, *, deferred: bool) -> None:
        """The pressed message refreshed (when the answer has new content), then the notice to the presser."""
        if answer.refreshed is not None:
            (body, *_rest) = reply_payloads(answer.refreshed)
            kwargs = message_kwargs(body)
            kwargs["view"] = buttons_view(answer.refreshed)
            if deferred:
                await interaction.edit_original_response(**kwargs)
            else:
                await interaction.response.edit_message(**kwargs)
                deferred = True
        if deferred:
            await interaction.followup.send(answer.notice[:2000], ephemeral=True)
        else:
            await interaction.response.send_message(answer.notice[:2000], ephemeral=True)

    # ----- autocomplete --------------------------------------------------------------------------
    async def complete(self, interaction: discord.Interaction, param: Param, typed: str) -> list[Choice]:
        """Suggestions for an argument being typed (never raises: an empty menu is a fine answer)."""
        if param.complete is None:
            return []
        filled = {name: str(value) for name, value in interaction.namespace if value is not None}
        try:  # suggestions cannot be deferred: no answer in time is worse than an empty menu
            return await asyncio.wait_for(
                param.complete(self.context(interaction, ""), typed, filled), DEFER_AFTER
            )
        except Exception:
            log.exception("Suggestions for %s failed", param.name)
            return []


async def _defer_if_slow(
    interaction: discord.Interaction, task: asyncio.Future[Any], *, thinking: bool
) -> bool:
    """Wait DEFER_AFTER seconds for `task`; if it is still running, defer the interaction (True if so)."""
    done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if done:
        return False
    try:
        await interaction.response.defer(thinking=thinking)
    except discord.HTTPException:
        log.warning("Could not defer an interaction in channel %s", interaction.channel_id)
        return False
    return True
