"""Platform-neutral command logic: coroutines that take a CommandContext and return a Reply."""

from handlers.context import CommandContext, CommandServices
from handlers.registry import BUTTONS, COMMANDS, MESSAGE_ACTIONS, PRIVATE_TEXT, UNKNOWN_COMMAND, Command

__all__ = [
    "BUTTONS",
    "COMMANDS",
    "MESSAGE_ACTIONS",
    "PRIVATE_TEXT",
    "UNKNOWN_COMMAND",
    "Command",
    "CommandContext",
    "CommandServices",
]
