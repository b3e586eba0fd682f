"""Keep the gettext catalogs in step with the code (Babel's extraction, run from here).

    python -m tools.catalogs            # extract, then update bot/locales/*/LC_MESSAGES/messages.po
    python -m tools.catalogs --check    # exit 1 if a catalog lacks a string or a translation

English is the source language: its catalog is filled with the strings themselves. Other catalogs keep
their translations; a new string arrives untranslated (and `--check`, run by the tests, fails until a
translator fills it in), a string no longer in the code is removed.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "scheduler")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LOCALES = ROOT / "bot" / "locales"
CATALOG_LOCALES = ("en", "zh_CN")


def extract() -> Catalog:
    """Every marked string in the code, with where it is used."""
    template = Catalog(project="arxiv-digest-bot", charset="utf-8")
    for source in SOURCES:
        found = extract_from_dir(
            ROOT / source,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
        )
        for filename, lineno, message, comments, _context in found:
            template.add(message, locations=[(f"{source}/{filename}", lineno)], auto_comments=comments)
    return template


def path_of(locale: str) -> Path:
    """The .po file of a locale."""
    return LOCALES / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str) -> Catalog:
    """A locale's catalog as it is on disk (empty if there is none yet)."""
    path = path_of(locale)
    if not path.exists():
        return Catalog(locale=locale, project="arxiv-digest-bot")
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def problems(template: Catalog, locale: str) -> list[str]:
    """What a catalog lacks: strings of the code it does not have, or has without a translation."""
    catalog = read(locale)
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        value = entry.string if entry is not None else ""
        strings = [value] if isinstance(value, str) else list(value or ())
        if entry is None:
            found.append(f"{locale}: missing {_key(message)!r}")
        elif not all(strings) or entry.fuzzy:
            found.append(f"{locale}: untranslated {_key(message)!r}")
    return found


def update(template: Catalog) -> None:
    """Bring every catalog in step with the code."""
    for locale in CATALOG_LOCALES:
        catalog = read(locale)
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)  # update() adopts the messages
        catalog.project, catalog.version, catalog.fuzzy = "arxiv-digest-bot", "0.2", False
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id:
                    message.string = message.id  # the source strings are the English text
        path = path_of(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=110, omit_header=False, sort_output=False, include_previous=False)


def main() -> int:
    """Update the catalogs, or with --check only report what they lack."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="report missing or untranslated strings")
    args = parser.parse_args()
    template = extract()
    if not args.check:
        update(template)
    found = [problem for locale in CATALOG_LOCALES for problem in problems(template, locale)]
    for problem in found:
        print(problem)  # noqa: T201 - a command-line tool's report
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
