"""The registry's commands as Discord application commands: one slash command per Command (its Params as
options, with their fixed choices and suggestions) and one message context-menu command per MessageAction.

The commands are generated, so a command added to handlers/registry.py appears on Discord with no change
here; only the greeting command (Telegram's /start) has no Discord counterpart.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.core.chat_settings import SettingError, parse_language
from bot.core.i18n import CATALOGS, translate
from bot.core.languages import SOURCE_LANGUAGE
from bot.platforms.discord.interactions import InteractionRunner
from handlers import COMMANDS, MESSAGE_ACTIONS
from handlers.failures import OUT_OF_DATE
from handlers.registry import Command, MessageAction, Param

_TRANSLATED = frozenset(
    {
        app_commands.TranslationContextLocation.command_description,
        app_commands.TranslationContextLocation.parameter_description,
    }
)


def language_of_locale(locale: str) -> str:
    """The chat language of a Discord locale (`zh-CN` → `zh`), English when it has no catalog."""
    try:
        language = parse_language(locale)
    except SettingError:
        return SOURCE_LANGUAGE
    return language if language in CATALOGS else SOURCE_LANGUAGE


MENU_LOCALES = {"zh-CN": "zh"}
"""Discord locales whose menus come from a catalog (zh-TW readers are not given Simplified Chinese)."""


class CatalogTranslator(app_commands.Translator):
    """Command descriptions, option descriptions and message-menu names from the catalogs, for Discord's
    per-locale menus. Slash command and option names stay as typed (`/summarize` everywhere)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The translation of `string` for `locale`, or None to leave it as it is."""
        language = MENU_LOCALES.get(locale.value, SOURCE_LANGUAGE)
        menu_name = context.location is app_commands.TranslationContextLocation.command_name and isinstance(
            context.data, app_commands.ContextMenu
        )
        if language == SOURCE_LANGUAGE or not (context.location in _TRANSLATED or menu_name):
            return None
        translated = translate(language, string.message)
        limit = 32 if menu_name else 100
        return translated if translated != string.message and len(translated) <= limit else None


log = logging.getLogger(__name__)


Callback = Callable[..., Awaitable[None]]


def _options_callback(runner: InteractionRunner, command: Command) -> Callback:
    """A callback whose signature declares the command's params (discord.py reads options from it)."""

    async def callback(interaction: discord.Interaction, **options: str | None) -> None:
        given = (options.get(param.name) for param in command.params)
        await runner.run(interaction, command.handler, " ".join(v.strip() for v in given if v and v.strip()))

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for param in command.params:
        parameters.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=str if param.required else str | None,
                default=inspect.Parameter.empty if param.required else None,
            )
        )
    # discord.py builds a command's options from its callback's signature; ours comes from the registry.
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return callback


Suggester = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def _suggester(runner: InteractionRunner, param: Param) -> Suggester:
    async def suggest(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        choices = await runner.complete(interaction, param, current)
        return [app_commands.Choice(name=choice.label, value=choice.value) for choice in choices]

    return suggest


def slash_command(runner: InteractionRunner, command: Command) -> app_commands.Command[Any, ..., None]:
    """One registry command as a slash command."""
    callback: Any = _options_callback(runner, command)
    if command.params:
        callback = app_commands.describe(**{p.name: p.description for p in command.params})(callback)
    fixed = {
        p.name: [app_commands.Choice(name=v, value=v) for v in p.choices] for p in command.params if p.choices
    }
    if fixed:
        callback = app_commands.choices(**fixed)(callback)
    suggested = {p.name: _suggester(runner, p) for p in command.params if p.complete is not None}
    if suggested:
        callback = app_commands.autocomplete(**suggested)(callback)
    description = command.description if len(command.description) <= 100 else command.description[:99] + "…"
    return app_commands.Command(name=command.name, description=description, callback=callback)


def message_command(runner: InteractionRunner, action: MessageAction) -> app_commands.ContextMenu:
    """One message action as a message context-menu command (its text is the handler's `args`)."""

    async def callback(interaction: discord.Interaction, message: discord.Message) -> None:
        await runner.run(interaction, action.handler, message.content)

    return app_commands.ContextMenu(name=action.name, callback=callback)


class DigestCommandTree(app_commands.CommandTree[discord.Client]):
    """The command tree; an interaction for a command it does not know (an old menu) still gets an answer."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Log the failure and tell the user, so no interaction is left unanswered."""
        log.warning("Command tree error in channel %s: %s", interaction.channel_id, error)
        if not interaction.response.is_done():
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                language = language_of_locale(str(interaction.locale.value) if interaction.locale else "")
                await interaction.response.send_message(translate(language, OUT_OF_DATE), ephemeral=True)


def build_tree(client: discord.Client, runner: InteractionRunner) -> DigestCommandTree:
    """The tree of every registry command (but the greeting) and message action."""
    tree = DigestCommandTree(client)
    for command in COMMANDS:
        if not command.greeting:
            tree.add_command(slash_command(runner, command))
    for action in MESSAGE_ACTIONS:
        tree.add_command(message_command(runner, action))
    return tree
