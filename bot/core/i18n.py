"""Every user-visible string in the chat's language, from gettext catalogs (bot/locales/<locale>/*.po).

Strings are marked with `_()` (translated now, in the current language), `ngettext()` (with a count)
or `N_()` (only marked: a constant translated later with `_()`). The current language is a context
variable: the command registry sets it to the chat's language around every handler, renderers set it to
the card's or the digest's language. The catalogs are read from their .po files with Babel when first
needed (no compiled .mo files to keep in sync); a string missing from a catalog is shown in English.
"""

from __future__ import annotations

import contextlib
import gettext
import io
import re
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.models import Span

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
CATALOGS = {"en": "en", "zh": "zh_CN"}
"""Chat language (ISO 639-1, the `language` setting) → catalog locale; other languages read English."""

_current: ContextVar[str] = ContextVar("language", default="en")


@lru_cache(maxsize=16)
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for a chat language (English, the source language, for languages without one)."""
    locale = CATALOGS.get(language)
    path = LOCALES_DIR / (locale or "") / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale is None or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current_language() -> str:
    """The language strings are translated into here."""
    return _current.get()


@contextlib.contextmanager
def using(language: str) -> Iterator[None]:
    """Translate into `language` inside the block."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message for `count`, in the current language."""
    return translations(_current.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark a constant for translation; translate it where it is shown, with `_()`."""
    return message


def translate(language: str, message: str) -> str:
    """`message` in `language` (for code that knows the language but is outside a `using` block)."""
    return translations(language).gettext(message)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, **values: Span | str) -> list[Span | str]:
    """A translated sentence with its `{name}` placeholders replaced by spans (e.g. code examples).

    Translators move placeholders freely; the spans keep their style wherever the sentence puts them.
    """
    pieces: list[Span | str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > position:
            pieces.append(template[position : match.start()])
        pieces.append(values[match.group(1)])
        position = match.end()
    if position < len(template):
        pieces.append(template[position:])
    return pieces
