"""Per-chat settings: the values, their validation and canonical forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.i18n import _
from bot.core.text import canonical_input, shorten

_ISO_639_1_CODES = """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da
de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz
ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln
lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi
pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti
tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

Style = Literal["cards", "compact"]
STYLES: tuple[Style, ...] = ("cards", "compact")
SETTING_KEYS = ("language", "time", "timezone", "max_papers", "style", "min_score")
MAX_PAPERS_RANGE = (1, 50)
DEFAULT_MAX_PAPERS = 10

_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def _shown(text: str) -> str:
    """A value echoed in an error: on one line, and short however much was pasted."""
    return repr(shorten(" ".join(text.split()), 40))


class SettingError(ValueError):
    """A setting value is invalid; the message explains it and shows an example."""


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """What a chat chose (or inherited) for its digests."""

    language: str
    time: str
    timezone: str
    max_papers: int = DEFAULT_MAX_PAPERS
    style: Style = "cards"
    paused: bool = False
    min_score: float | None = None  # with feedback: papers scoring under it are links, not cards


def parse_language(text: str) -> str:
    """An ISO 639-1 code such as `zh`; accepts tags like `pt-BR` by their primary subtag."""
    code = text.strip().lower().replace("_", "-").split("-")[0]
    if code not in ISO_639_1:
        raise SettingError(
            _("{value} is not an ISO 639-1 language code — try en, zh, de or es").format(value=_shown(text))
        )
    return code


def parse_time(text: str) -> str:
    """A 24-hour time as HH:MM (accepts 8:30, 08.30, 8h30)."""
    match = _TIME.match(text.strip())
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise SettingError(
            _("{value} is not a time — use HH:MM on a 24-hour clock, e.g. 08:30").format(value=_shown(text))
        )
    return f"{int(match.group(1)):02d}:{match.group(2)}"


_HOST_ZONES = frozenset({"localtime", "posixrules", "factory"})
"""Names some hosts' zone databases carry that mean nothing portable (the host's own clock, a template)."""


@cache
def _zones_by_lower() -> dict[str, str]:
    return {
        name.lower(): name
        for name in available_timezones()
        if name.lower() not in _HOST_ZONES and not name.startswith(("posix/", "right/"))
    }


@cache
def timezone_names() -> tuple[str, ...]:
    """The IANA zone names of region/city form (`Asia/Shanghai`), sorted: what menus offer."""
    return tuple(
        sorted(name for name in available_timezones() if "/" in name and not name.startswith("Etc/"))
    )


def parse_timezone(text: str) -> str:
    """An IANA zone (`Asia/Shanghai`, any case) or a fixed offset (`UTC+8` → `UTC+08:00`)."""
    stripped = text.strip()
    if stripped.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    match = _OFFSET.match(stripped)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        total = (hours * 60 + minutes) * (1 if sign == "+" else -1)
        if minutes not in {0, 15, 30, 45} or not -12 * 60 <= total <= 14 * 60:
            raise SettingError(
                _("{value} is not a real UTC offset — offsets run from UTC-12 to UTC+14").format(
                    value=_shown(stripped)
                )
            )
        return "UTC" if total == 0 else f"UTC{sign}{hours:02d}:{minutes:02d}"
    name = _zones_by_lower().get(stripped.lower())
    if name is None:
        raise SettingError(
            _("{value} is not a time zone — use a name like Asia/Shanghai or an offset like UTC+8").format(
                value=_shown(stripped)
            )
        )
    return name


def tzinfo_for(name: str) -> tzinfo:
    """The tzinfo for a canonical time zone value."""
    match = _OFFSET.match(name)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return timezone(sign * delta, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingError(_("unknown time zone {value}").format(value=_shown(name))) from exc


def parse_max_papers(text: str) -> str:
    """A whole number of papers per digest, from 1 to 50."""
    low, high = MAX_PAPERS_RANGE
    stripped = text.strip()
    # At most three ASCII digits before int(): "²" is a digit to str.isdigit, and int() of thousands of
    # digits raises rather than answering.
    if re.fullmatch(r"[0-9]{1,3}", stripped) is None or not low <= int(stripped) <= high:
        raise SettingError(
            _("{value} is not a number of papers from {low} to {high}, e.g. 20").format(
                value=_shown(stripped), low=low, high=high
            )
        )
    return str(int(stripped))


def parse_style(text: str) -> str:
    """`cards` (a card per paper) or `compact` (a table of one-line TL;DRs)."""
    style = text.strip().lower()
    if style not in STYLES:
        raise SettingError(_("{value} is not a style — use cards or compact").format(value=_shown(text)))
    return style


MIN_SCORE_OFF = "off"


def parse_min_score(text: str) -> str:
    """`off`, or a similarity from 0.01 to 1 (e.g. 0.2): cards only for papers at least this close to
    what the chat likes."""
    stripped = text.strip().lower()
    if stripped in {"off", "none", "0"}:
        return MIN_SCORE_OFF
    if re.fullmatch(r"(?:0?\.\d{1,2}|1(?:\.0{1,2})?)", stripped) is None or not 0 < float(stripped) <= 1:
        raise SettingError(
            _("{value} is not a score from 0.01 to 1 — try 0.2, or off").format(value=_shown(text))
        )
    return f"{float(stripped):.2f}"


def min_score_value(stored: str | None) -> float | None:
    """A stored min_score as a number (None when off or unset)."""
    if not stored or stored == MIN_SCORE_OFF:
        return None
    try:
        return float(stored)
    except ValueError:
        return None


PARSERS = {
    "language": parse_language,
    "time": parse_time,
    "timezone": parse_timezone,
    "max_papers": parse_max_papers,
    "style": parse_style,
    "min_score": parse_min_score,
}


def setting_name(key: str) -> str:
    """A typed setting key in its canonical spelling (`Max-Papers` → `max_papers`), known or not."""
    return canonical_input(key).strip().lower().replace("-", "_")


def parse_setting(key: str, value: str) -> tuple[str, str]:
    """Validate `/settings <key> <value>`; returns (key, canonical value) or raises SettingError."""
    name, value = setting_name(key), canonical_input(value)
    parser = PARSERS.get(name)
    if parser is None:
        raise SettingError(
            _("there is no setting {key} — the settings are {keys}").format(
                key=_shown(key), keys=", ".join(SETTING_KEYS)
            )
        )
    if not value.strip():
        raise SettingError(_("{key} needs a value, e.g. {example}").format(key=name, example=EXAMPLES[name]))
    return name, parser(value)


EXAMPLES = {
    "language": "/settings language zh",
    "time": "/settings time 08:30",
    "timezone": "/settings timezone Asia/Shanghai",
    "max_papers": "/settings max_papers 20",
    "style": "/settings style compact",
    "min_score": "/settings min_score 0.2",
}
