"""A strict parser of Telegram's HTML parse mode, as the Bot API documents it.

Used by the fake Bot API to reject what Telegram rejects: unknown tags, unclosed or misnested tags,
bare '&' or '<', unknown named entities, entities inside <code>/<pre>, nested blockquotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message mimics the Bot API's description."""


@dataclass
class Parsed:
    """Text as the user sees it, and the entities found in it."""

    text: str
    entities: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def _decode_entity(match: re.Match[str]) -> str:
    body = match.group(1)
    if body.startswith("#x"):
        return chr(int(body[2:], 16))
    if body.startswith("#"):
        return chr(int(body[1:]))
    if body not in NAMED_ENTITIES:
        raise EntityParseError(f"Unsupported HTML entity &{body};")
    return NAMED_ENTITIES[body]


def _decode(raw: str, offset: int) -> str:
    out = []
    pos = 0
    for match in _ENTITY_RE.finditer(raw):
        chunk = raw[pos : match.start()]
        if "&" in chunk:
            raise EntityParseError(f"can't parse entities: bare '&' at byte offset {offset + pos}")
        out.append(chunk)
        out.append(_decode_entity(match))
        pos = match.end()
    tail = raw[pos:]
    if "&" in tail:
        raise EntityParseError(f"can't parse entities: bare '&' at byte offset {offset + pos}")
    out.append(tail)
    return "".join(out)


def _attributes(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        value = match.group(2) or ""
        if value[:1] in {'"', "'"}:
            value = value[1:-1]
        attrs[match.group(1).lower()] = _decode(value, 0)
    return attrs


def parse_html(source: str) -> Parsed:
    """Parse Telegram HTML into visible text; raises EntityParseError like the Bot API would."""
    stack: list[str] = []
    text: list[str] = []
    entities: list[tuple[str, dict[str, str]]] = []
    pos = 0
    while pos < len(source):
        lt = source.find("<", pos)
        if lt == -1:
            text.append(_decode(source[pos:], pos))
            break
        text.append(_decode(source[pos:lt], pos))
        match = _TAG_RE.match(source, lt)
        if match is None:
            raise EntityParseError(f"can't parse entities: unsupported start tag at byte offset {lt}")
        closing, name, raw_attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if name not in ALLOWED_TAGS:
            raise EntityParseError(
                f'can\'t parse entities: unsupported start tag "{name}" at byte offset {lt}'
            )
        if closing:
            if not stack or stack[-1] != name:
                expected = stack[-1] if stack else name
                raise EntityParseError(
                    f"can't parse entities: can't find end tag corresponding to start tag \"{expected}\""
                )
            stack.pop()
        else:
            attrs = _attributes(raw_attrs)
            if stack and stack[-1] in {"code", "pre"} and not (stack[-1] == "pre" and name == "code"):
                raise EntityParseError("can't parse entities: entities inside code are not supported")
            if name == "blockquote" and "blockquote" in stack:
                raise EntityParseError("can't parse entities: nested blockquotes are not supported")
            if name == "a" and not attrs.get("href"):
                raise EntityParseError("can't parse entities: <a> without href")
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise EntityParseError('can\'t parse entities: span without class="tg-spoiler"')
            stack.append(name)
            entities.append((name, attrs))
        pos = match.end()
    if stack:
        raise EntityParseError(
            f"can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return Parsed("".join(text), entities)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts message length."""
    return len(text.encode("utf-16-le")) // 2
