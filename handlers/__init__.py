"""Platform-neutral command logic: coroutines that take a CommandContext and return a Reply."""

from handlers.context import CommandContext, CommandServices
from handlers.registry import BUTTONS, COMMANDS, PRIVATE_TEXT, Command

__all__ = ["BUTTONS", "COMMANDS", "PRIVATE_TEXT", "Command", "CommandContext", "CommandServices"]
