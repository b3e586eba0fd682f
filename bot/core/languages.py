"""Human names of ISO 639-1 languages, for prompts and labels."""

from __future__ import annotations

from bot.core.i18n import N_

SOURCE_LANGUAGE = "en"  # arXiv abstracts are written in English; we assume so for every paper.

_NAMES = {
    "ar": N_("Arabic"),
    "bn": N_("Bengali"),
    "cs": N_("Czech"),
    "da": N_("Danish"),
    "de": N_("German"),
    "el": N_("Greek"),
    "en": N_("English"),
    "es": N_("Spanish"),
    "fa": N_("Persian"),
    "fi": N_("Finnish"),
    "fr": N_("French"),
    "he": N_("Hebrew"),
    "hi": N_("Hindi"),
    "hu": N_("Hungarian"),
    "id": N_("Indonesian"),
    "it": N_("Italian"),
    "ja": N_("Japanese"),
    "ko": N_("Korean"),
    "nl": N_("Dutch"),
    "no": N_("Norwegian"),
    "pl": N_("Polish"),
    "pt": N_("Portuguese"),
    "ro": N_("Romanian"),
    "ru": N_("Russian"),
    "sv": N_("Swedish"),
    "th": N_("Thai"),
    "tr": N_("Turkish"),
    "uk": N_("Ukrainian"),
    "vi": N_("Vietnamese"),
    "zh": N_("Simplified Chinese"),
}


def language_name(code: str) -> str:
    """English name of a language code, or the code itself when we do not know it (translate with `_`)."""
    return _NAMES.get(code, code)
