"""Logging set-up: one line per event, secrets redacted, chatty HTTP loggers kept quiet."""

from __future__ import annotations

import json
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
# discord.py logs every gateway payload and request URL at DEBUG: interaction tokens (which let anyone answer
# as the bot for 15 minutes) are in both. Its INFO lines (connected, resumed) are kept.
_NO_DEBUG = ("discord",)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces every configured secret (also inside tracebacks) with '***'."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if len(s) >= 6]

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record with secrets removed."""
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        """Text with every secret replaced by '***'."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (time, level, logger, message, exception), secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        data = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(data, ensure_ascii=False))


def setup_logging(level: str, secrets: Iterable[str] = (), fmt: str = "text") -> None:
    """Configure the root logger once for the process (`fmt`: text or json)."""
    handler = logging.StreamHandler(sys.stderr)
    formatter_class = JsonFormatter if fmt == "json" else RedactingFormatter
    handler.setFormatter(formatter_class(FORMAT, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for name in _NO_DEBUG:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
