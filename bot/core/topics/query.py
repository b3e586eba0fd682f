"""arXiv's query syntax: parse, validate, normalise and render keyword topics.

Grammar (AND and ANDNOT bind tighter than OR; operators are upper-case as arXiv requires)::

    query := conj ("OR" conj)*
    conj  := unary (("AND" | "ANDNOT") unary)*
    unary := "(" query ")" | term
    term  := field ":" (word | "quoted phrase") | "quoted phrase" | word+

Bare words and quoted phrases without a field search all fields: `few-shot learning` is
`all:"few-shot learning"`. Values are case-insensitive on arXiv, so they are lower-cased; categories
are checked against the taxonomy and spelt as arXiv spells them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import _
from bot.core.topics.taxonomy import canonical_category, unknown_category

FIELDS = ("ti", "abs", "au", "cat", "all")
OPERATORS = ("AND", "OR", "ANDNOT")
_PLAIN_VALUE = re.compile(r"^[a-z0-9.]+$")


class TopicError(ValueError):
    """The topic cannot be used; the message says why in words a user understands."""


@dataclass(frozen=True, slots=True)
class Term:
    """field:value."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class All:
    """Every item must match (AND)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any:
    """At least one item must match (OR)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Without:
    """`left` matches and `right` does not (ANDNOT)."""

    left: Node
    right: Node


Node = Term | All | Any | Without


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(" ")" "op" "word" "quoted" "field"
    text: str
    field: str | None = None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch.isspace():
            pos += 1
        elif ch in "()":
            tokens.append(_Token(ch, ch))
            pos += 1
        elif ch == '"':
            end = text.find('"', pos + 1)
            if end == -1:
                raise TopicError(
                    _('a quote is not closed — put a " at the end of the phrase, e.g. "few-shot learning"')
                )
            tokens.append(_Token("quoted", text[pos + 1 : end]))
            pos = end + 1
        else:
            match = re.compile(r'[^\s()"]+').match(text, pos)
            assert match is not None
            word = match.group(0)
            pos = match.end()
            if word in OPERATORS:
                tokens.append(_Token("op", word))
                continue
            field, colon, value = word.partition(":")
            if not colon:
                tokens.append(_Token("word", word))
                continue
            token, pos = _field_token(text, pos, field.lower(), value)
            tokens.append(token)
    return tokens


def _field_token(text: str, pos: int, field: str, value: str) -> tuple[_Token, int]:
    """The `field:value` token just read (the value may be a quoted phrase starting at `pos`)."""
    if field not in FIELDS:
        raise TopicError(
            _("unknown field {field}: — use one of ti: abs: au: cat: all:, e.g. ti:transformer").format(
                field=field
            )
        )
    if value:
        return _Token("field", value, field), pos
    if pos < len(text) and text[pos] == '"':
        end = text.find('"', pos + 1)
        if end == -1:
            raise TopicError(_('a quote is not closed — e.g. ti:"large language models"'))
        return _Token("field", text[pos + 1 : end], field), end + 1
    raise TopicError(
        _("{field}: needs a word or a quoted phrase after it, e.g. {field}:transformer").format(field=field)
    )


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._pos = 0

    def _peek(self) -> _Token | None:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else None

    def _next(self) -> _Token:
        token = self._tokens[self._pos]
        self._pos += 1
        return token

    def parse(self) -> Node:
        if not self._tokens:
            raise TopicError(_("the topic is empty"))
        node = self._query()
        extra = self._peek()
        if extra is not None:
            if extra.kind == ")":
                raise TopicError(_("there is a ) without a matching ("))
            raise TopicError(_("put AND, OR or ANDNOT before {term}").format(term=repr(extra.text)))
        return node

    def _query(self) -> Node:
        items = [self._conj()]
        while (token := self._peek()) is not None and token.kind == "op" and token.text == "OR":
            self._next()
            items.append(self._conj())
        return items[0] if len(items) == 1 else Any(tuple(items))

    def _conj(self) -> Node:
        node = self._unary()
        while (token := self._peek()) is not None and token.kind == "op" and token.text in {"AND", "ANDNOT"}:
            self._next()
            right = self._unary()
            node = All((node, right)) if token.text == "AND" else Without(node, right)
        return node

    def _unary(self) -> Node:
        token = self._peek()
        if token is None:
            raise TopicError(_("the topic ends with an operator — add a term after it"))
        if token.kind == "op":
            raise TopicError(
                _("{operator} needs a term on both sides, e.g. ti:transformer AND cat:cs.CL").format(
                    operator=token.text
                )
            )
        if token.kind == ")":
            raise TopicError(_("there is a ) without a matching (, or empty parentheses"))
        self._next()
        if token.kind == "(":
            node = self._query()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise TopicError(_("a ( is not closed — add the matching )"))
            self._next()
            return node
        if token.kind == "field":
            assert token.field is not None
            return _term(token.field, token.text)
        if token.kind == "quoted":
            return _term("all", token.text)
        words = [token.text]
        while (following := self._peek()) is not None and following.kind == "word":
            words.append(self._next().text)
        return _term("all", " ".join(words))


def _term(field: str, raw: str) -> Term:
    value = " ".join(raw.split())
    if not value:
        raise TopicError(_('an empty phrase "" matches nothing — put words inside the quotes'))
    if field == "cat":
        category = canonical_category(value)
        if category is None:
            raise TopicError(unknown_category(value))
        return Term("cat", category)
    return Term(field, value.lower())


def normalise(node: Node) -> Node:
    """Flatten nested AND/OR, drop duplicates and sort their items so equal topics compare equal."""
    if isinstance(node, Term):
        return node
    if isinstance(node, Without):
        return Without(normalise(node.left), normalise(node.right))
    kind = type(node)
    flat: list[Node] = []
    for item in (normalise(i) for i in node.items):
        flat.extend(item.items if isinstance(item, kind) else (item,))
    unique = sorted(set(flat), key=render)
    return unique[0] if len(unique) == 1 else kind(tuple(unique))


def _quote(value: str) -> str:
    return value if _PLAIN_VALUE.match(value) else f'"{value}"'


def _wrapped(node: Node) -> str:
    return render(node) if isinstance(node, Term) else f"({render(node)})"


def render(node: Node) -> str:
    """The canonical text of a query, with parentheses around every compound operand."""
    if isinstance(node, Term):
        return f"{node.field}:{node.value if node.field == 'cat' else _quote(node.value)}"
    if isinstance(node, Without):
        return f"{_wrapped(node.left)} ANDNOT {_wrapped(node.right)}"
    joiner = " AND " if isinstance(node, All) else " OR "
    return joiner.join(_wrapped(item) for item in node.items)


def parse_query(text: str) -> Node:
    """Parse and normalise a keyword query; raises TopicError."""
    return normalise(_Parser(_tokens(text)).parse())
