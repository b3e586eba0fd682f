"""Logging set-up: one line per event, secrets redacted, chatty HTTP loggers kept quiet."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

# The Bot API URL contains the token, and these libraries log request URLs at INFO.
_QUIET = (
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "openai",
    "telegram.ext.Updater",
    "apscheduler",
    "arxiv",
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces every configured secret (also inside tracebacks) with '***'."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if len(s) >= 6]

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with secrets removed."""
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once for the process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(FORMAT, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
