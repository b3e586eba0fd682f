"""The environment for a bot subprocess: none of the developer's configuration, only what the test sets."""

from __future__ import annotations

import os

from bot.app.settings import Settings


def subprocess_env(**values: str) -> dict[str, str]:
    """os.environ without any of the bot's variables, plus `values` (names as the README spells them)."""
    ours = {name.upper() for name in Settings.model_fields}
    clean = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return {**clean, **values}
