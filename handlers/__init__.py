"""Platform-neutral command logic: coroutines that take a CommandContext and return a Reply."""

from handlers.context import CommandContext
from handlers.registry import COMMANDS, Command

__all__ = ["COMMANDS", "Command", "CommandContext"]
