"""Countries, time zones and times of day: from what a person types to settings, and back.

Pure functions over Babel's CLDR data, the IANA time zone database (``zoneinfo``)
and the operator-editable ``content/places.toml``. Settings are stored as plain
strings:

* a country is an ISO 3166-1 alpha-2 code (``"GB"``);
* a time zone is a canonical IANA name (``"Europe/London"``) or a fixed offset
  written ``"UTC"`` / ``"UTC+05:30"`` / ``"UTC-03:00"``. The IANA ``Etc/GMT+5`` form is
  never produced: POSIX inverts its sign (it means UTC-5), which misleads everyone;
* a time of day is 24-hour ``"HH:MM"``.

Nothing here touches Telegram, the database or ``bot/``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import tomllib
import unicodedata
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location

log = logging.getLogger(__name__)

PLACES_FILE = Path(__file__).resolve().parents[2] / "content" / "places.toml"

# Two-letter territory codes in CLDR that are not countries a person lives in:
# groupings (EU, EZ, UN, QO), pseudo-locales (XA, XB), "unknown" (ZZ) and the
# exceptionally reserved codes for parts of other countries (AC, CP, CQ, DG, EA,
# IC, TA). XK (Kosovo) is user-assigned but in everyday use, so it is kept.
_NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)

# Geographic areas of canonical IANA zone names.
_ZONE_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)
# Areas whose legacy names also work as "city" words ("Calcutta", "Kiev", "Saigon").
# Others are full names only: "US/Pacific", "Australia/North" and "Brazil/East" are
# regions, not places anyone would type alone.
_LEGACY_CITY_AREAS = _ZONE_AREAS - {"Australia"}
# Legacy zone names whose last part would mislead as a city: "Samoa" is Apia
# (UTC+13), but the old "Pacific/Samoa" is Pago Pago (UTC-11).
_MISLEADING_LEGACY = frozenset({"Pacific/Samoa"})
# Present in some zoneinfo trees but not time zones anyone lives in.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

_MAX_OFFSET = dt.timedelta(hours=14)
_MIN_OFFSET = -dt.timedelta(hours=12)
_UTC_WORDS = frozenset({"utc", "gmt", "z", "zulu"})
_OFFSET_INPUT = re.compile(
    r"(?:utc|gmt)?\s*([+\-\u2212\u2013])\s*([0-9]{1,2})(?:\s*[:.h]?\s*([0-9]{2}))?", re.IGNORECASE
)
_OFFSET_SETTING = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})")
_ETC_GMT = re.compile(r"etc/gmt([+-])([0-9]{1,2})", re.IGNORECASE)

_TIME_WORDS = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}
_AM_PM = re.compile(r"(.*?)\s*([ap])\.?\s*m\.?", re.IGNORECASE)
_CLOCK = re.compile(r"([0-9]{1,2})(?:[:.h]([0-9]{2}))?")
_CLOCK_COMPACT = re.compile(r"([0-9]{1,2})([0-9]{2})")

# Letters that do not decompose into a base letter plus accents under NFKD.
_UNACCENT = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})
_FILLER_WORDS = frozenset({"and", "the"})


# --------------------------------------------------------------------------- data


@cache
def _places() -> dict[str, Any]:
    """The parsed content/places.toml (read once)."""
    with PLACES_FILE.open("rb") as f:
        return tomllib.load(f)


def _table(name: str) -> dict[str, Any]:
    table = _places().get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"{PLACES_FILE}: [{name}] must be a table")
    return table


@cache
def _en() -> Locale:
    return Locale("en")


@cache
def _countries() -> dict[str, str]:
    """ISO code -> English name, for the territories that are countries."""
    return {
        code: name
        for code, name in _en().territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


@cache
def _zone_aliases() -> dict[str, str]:
    """Legacy IANA name -> canonical name (Babel's CLDR data, e.g. Asia/Calcutta -> Asia/Kolkata)."""
    return dict(get_global("zone_aliases"))


@cache
def _canonical_zones() -> frozenset[str]:
    """Canonical IANA names of the zones people live in (no Etc/, no legacy links)."""
    aliases = _zone_aliases()
    return frozenset(
        z
        for z in _iana_names()
        if z not in aliases and "/" in z and z.split("/", 1)[0] in _ZONE_AREAS
    )


def _canonical_zone(name: str) -> str | None:
    """The canonical name for an IANA zone name (exact spelling), or None."""
    if name not in _iana_names():
        return None
    name = _zone_aliases().get(name, name)
    return name if name in _canonical_zones() else None


# ------------------------------------------------------------------- normalising


def _fold(text: str) -> str:
    """Lower-case, accents removed: "Côte d’Ivoire" -> "cote d’ivoire"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c)).translate(_UNACCENT)


def _key(text: str) -> str:
    """A matching key: folded, punctuation, spaces, "and"/"the" dropped, "saint" -> "st"."""
    words = re.split(r"[^0-9a-z]+", _fold(text).replace("&", " and "))
    return "".join("st" if w == "saint" else w for w in words if w and w not in _FILLER_WORDS)


def _zone_key(name: str) -> str:
    """A key for a whole IANA name: each /-separated part keyed on its own."""
    return "/".join(_key(part) for part in name.split("/"))


def _warn_skip(section: str, key: str, value: object) -> None:
    log.warning("%s: [%s] %r = %r is not a known target; skipped", PLACES_FILE.name, section, key, value)


# --------------------------------------------------------------------- countries


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, name in _countries().items():
        index.setdefault(_key(name), code)
        # "Myanmar (Burma)": also "Myanmar" and "Burma".
        if m := re.fullmatch(r"(.+?)\s*\((.+)\)\s*(.*)", name):
            index.setdefault(_key(m[1] + " " + m[3]), code)
            index.setdefault(_key(m[2]), code)
    # Operator aliases win over generated names.
    for alias, code in _table("country_aliases").items():
        code = str(code).strip().upper()
        if code in _countries():
            index[_key(alias)] = code
        else:
            _warn_skip("country_aliases", alias, code)
    return index


def parse_country(text: str) -> str | None:
    """The ISO alpha-2 code for a typed country code, alias or English name, else None.

    >>> parse_country(" uk "), parse_country("Côte d'Ivoire"), parse_country("Narnia")
    ('GB', 'CI', None)
    """
    text = text.strip()
    if not text:
        return None
    if len(text) == 2 and text.isascii() and text.isalpha() and text.upper() in _countries():
        return text.upper()
    key = _key(text)
    return _country_index().get(key) if key else None


def country_name(code: str) -> str:
    """The English name of a country code ("GB" -> "United Kingdom"); ValueError if unknown."""
    try:
        return _countries()[code.strip().upper()]
    except KeyError:
        raise ValueError(f"not a country code: {code!r}") from None


_SPOKEN = ("official", "de_facto_official")


def likely_countries(codes: list[str], language: str | None, most_used: list[str]) -> list[str]:
    """`codes` in the order someone is likeliest to need, from their app's language tag
    (Telegram's language_code: "en", "en-GB", "pt-br"): the tag's region first ("GB"), or
    the language's likeliest one ("de" -> DE); then where the language is an official one
    (Germany, Austria, Switzerland for "de"); then `most_used`; then the rest by name.

    >>> likely_countries(["AT", "CH", "DE", "GB", "US"], "de", ["US", "GB"])
    ['DE', 'AT', 'CH', 'US', 'GB']
    """
    region, speaks = None, ""
    if language:
        try:
            locale = Locale.parse(language.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            locale = None
        if locale is not None:
            speaks = locale.language
            region = locale.territory or (get_global("likely_subtags").get(speaks) or "").rpartition("_")[2] or None
    spoken = get_global("territory_languages")
    rank = {code: i for i, code in enumerate(most_used)}

    def order(code: str) -> tuple:
        speaking = (spoken.get(code, {}).get(speaks) or {}).get("official_status") in _SPOKEN
        return (code != region, not speaking, rank.get(code, len(rank)), country_name(code))

    return sorted(codes, key=order)


def suggest_timezones(code: str, limit: int = 4) -> list[str]:
    """Up to `limit` canonical IANA zones for a country, the most lived-in first.

    Uses [suggested_zones] in places.toml first, then Babel's zones for the territory.
    Unknown codes give [].
    """
    code = code.strip().upper()
    if code not in _countries() or limit <= 0:
        return []
    return list(_zones_by_country().get(code, ()))[:limit]


@cache
def single_timezone(code: str) -> str | None:
    """The time zone of a country that keeps one clock, or None ("US": several; unknown: None).

    A country with one zone ("GB": Europe/London) has it; so does one whose zones all keep
    the same time, checked weekly over two years from the start of this one ("DE": Berlin
    and Busingen), which gets its first suggested zone. Then nobody needs to be asked.
    """
    zones = suggest_timezones(code, limit=1000)
    if len(zones) <= 1:
        return zones[0] if zones else None
    start = dt.datetime(dt.date.today().year, 1, 1, tzinfo=dt.timezone.utc)
    clocks = [zoneinfo.ZoneInfo(zone) for zone in zones]
    for week in range(0, 106):
        instant = start + dt.timedelta(weeks=week)
        if len({instant.astimezone(clock).utcoffset() for clock in clocks}) > 1:
            return None
    return zones[0]


@cache
def _zones_by_country() -> dict[str, tuple[str, ...]]:
    """Country code -> its canonical zones, [suggested_zones] first, then Babel's order."""
    preferred: dict[str, list[str]] = {}
    for code, zones in _table("suggested_zones").items():
        if code not in _countries() or not isinstance(zones, list):
            _warn_skip("suggested_zones", code, zones)
            continue
        for name in zones:
            if (zone := _canonical_zone(str(name))) is None:
                _warn_skip("suggested_zones", code, name)
            else:
                preferred.setdefault(code, []).append(zone)
    result: dict[str, tuple[str, ...]] = {}
    territory_zones = get_global("territory_zones")
    for code in _countries():
        babel = (_canonical_zone(z) for z in territory_zones.get(code, ()))
        ordered = dict.fromkeys([*preferred.get(code, ()), *(z for z in babel if z)])
        result[code] = tuple(ordered)
    return result


# -------------------------------------------------------------------- time zones


def _format_offset(offset: dt.timedelta) -> str | None:
    """"UTC", "UTC+05:30", "UTC-03:00"; None outside -12:00..+14:00 or not on a quarter hour."""
    if not _MIN_OFFSET <= offset <= _MAX_OFFSET or offset % dt.timedelta(minutes=15):
        return None
    if not offset:
        return "UTC"
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(offset) // dt.timedelta(minutes=1)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_offset(text: str) -> str | None:
    if _fold(text) in _UTC_WORDS:
        return "UTC"
    m = _OFFSET_INPUT.fullmatch(text)
    if not m:
        return None
    hours, minutes = int(m[2]), int(m[3] or 0)
    if minutes >= 60:
        return None
    offset = dt.timedelta(hours=hours, minutes=minutes)
    return _format_offset(-offset if m[1] != "+" else offset)


def _fixed_offset_of(zone: str) -> str | None:
    """For Etc/GMT+5, UTC, Zulu and friends: the offset setting (sign the right way round)."""
    offset = dt.datetime(2026, 1, 1, tzinfo=zoneinfo.ZoneInfo(zone)).utcoffset()
    return _format_offset(offset) if offset is not None else None


@cache
def _zone_index() -> dict[str, str]:
    """Key of every IANA name (canonical or legacy) -> the setting it stands for."""
    index: dict[str, str] = {}
    for name in _iana_names():
        if _ETC_GMT.fullmatch(name):
            continue  # keyed alike (Etc/GMT+5 ~ Etc/GMT-5); parse_timezone reads these itself
        target = _canonical_zone(name)
        if target is None:
            # Etc/GMT-3, Etc/UTC, Zulu, GMT0 ... -> "UTC+03:00", "UTC"; anything else is unusable.
            canon = _zone_aliases().get(name, name)
            if not canon.startswith("Etc/") or canon == "Etc/Unknown":
                continue
            target = _fixed_offset_of(name)
            if target is None:
                continue
        key = _zone_key(name)
        if index.setdefault(key, target) != target:
            log.warning("time zone names %r and %r look alike; keeping %r", name, index[key], index[key])
    return index


@cache
def _exemplar_cities() -> dict[str, str]:
    """Canonical zone -> Babel's English exemplar city, where CLDR gives one.

    CLDR keys its names by its own (sometimes legacy) zone ids, so "Ho Chi Minh City"
    is found under Asia/Saigon, not Asia/Ho_Chi_Minh.
    """
    cities: dict[str, str] = {}
    time_zones = _en().time_zones
    for cldr_id in time_zones:
        city = time_zones[cldr_id].get("city")
        zone = _zone_aliases().get(cldr_id, cldr_id)
        if city and zone in _canonical_zones():
            cities.setdefault(zone, city)
    return cities


def _city_of(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def _city_index() -> dict[str, str]:
    """Key of a city word -> canonical zone. Earlier sources win."""
    index = _aliases("city_aliases")
    for zone in sorted(_canonical_zones()):
        index.setdefault(_key(_city_of(zone)), zone)
    for zone, city in _exemplar_cities().items():
        index.setdefault(_key(city), zone)
    for legacy, zone in _zone_aliases().items():
        if (
            "/" in legacy
            and legacy.split("/", 1)[0] in _LEGACY_CITY_AREAS
            and legacy not in _MISLEADING_LEGACY
            and zone in _canonical_zones()
        ):
            index.setdefault(_key(_city_of(legacy)), zone)
    index.pop("", None)
    return index


@cache
def _abbreviations() -> dict[str, str]:
    return _aliases("zone_abbreviations")


def _aliases(table: str) -> dict[str, str]:
    """Key of each alias in a table of places.toml -> its canonical zone (unknown zones are
    skipped with a warning)."""
    index: dict[str, str] = {}
    for alias, zone in _table(table).items():
        canon = _canonical_zone(str(zone))
        if canon is None:
            _warn_skip(table, alias, zone)
        else:
            index[_key(alias)] = canon
    return index


def parse_timezone(text: str) -> str | None:
    """A time zone setting from an IANA name, a city, an abbreviation or a UTC offset; else None.

    Returns a canonical IANA name ("Asia/Kolkata" for "Mumbai" or "Asia/Calcutta") or an
    offset "UTC" / "UTC+05:30". "Etc/GMT+5" means UTC-5 and comes back as "UTC-05:00".
    """
    text = " ".join(text.split())
    if not text:
        return None
    if (offset := _parse_offset(text)) is not None:
        return offset
    if m := _ETC_GMT.fullmatch(text.replace(" ", "")):
        hours = int(m[2])  # POSIX sign: Etc/GMT+5 is five hours *behind* UTC.
        return _format_offset(dt.timedelta(hours=-hours if m[1] == "+" else hours))
    key = _key(text)
    if key in _abbreviations():
        return _abbreviations()[key]
    if "/" in text and (zone := _zone_index().get(_zone_key(text))):
        return zone
    if zone := _city_index().get(key):
        return zone
    if "/" not in text and (zone := _zone_index().get(key)):  # "Japan", "GB", "Zulu"
        return zone
    if "," in text:  # "London, UK", "Perth, Australia"
        return parse_timezone(text.split(",", 1)[0])
    return None


def _offset_setting(name: str) -> dt.timedelta | None:
    if name == "UTC":
        return dt.timedelta(0)
    m = _OFFSET_SETTING.fullmatch(name)
    if not m:
        return None
    offset = dt.timedelta(hours=int(m[2]), minutes=int(m[3]))
    offset = -offset if m[1] == "-" else offset
    return offset if _format_offset(offset) == name else None


def tzinfo_for(name: str) -> dt.tzinfo:
    """The tzinfo for a stored setting: ZoneInfo for IANA names, a fixed timezone for "UTC±HH:MM".

    Raises ValueError for anything else.
    """
    offset = _offset_setting(name)
    if offset is not None:
        return dt.timezone.utc if not offset else dt.timezone(offset)
    if name in _iana_names():
        return zoneinfo.ZoneInfo(name)
    raise ValueError(f"not a time zone: {name!r}")


def timezone_label(name: str) -> str:
    """A short label for a button or summary: "New York", "Kolkata", "UTC+05:30".

    Uses Babel's English exemplar city ("St. John’s", "Ho Chi Minh City") where CLDR has
    one. Raises ValueError for anything that is not a time zone setting.
    """
    if _offset_setting(name) is not None:
        return name
    if name not in _iana_names():
        raise ValueError(f"not a time zone: {name!r}")
    zone = _canonical_zone(name)
    if zone is None:  # Etc/GMT+5 and friends, if one was ever stored
        return _fixed_offset_of(name) or name
    if city := _exemplar_cities().get(zone):
        return city
    # Babel falls back to the id minus its area ("Argentina/Buenos Aires"); keep the city.
    return get_timezone_location(zoneinfo.ZoneInfo(zone), locale=_en(), return_city=True).rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- time


_IN_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "half an": 0.5, "half a": 0.5}
_IN_UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60}
_IN = re.compile(r"in\s+(\d{1,3}|an?|one|two|three|half an?)\s*([a-z]+)(\s+and\s+a\s+half)?")


def parse_delay(text: str) -> dt.timedelta | None:
    """How long from now: "in 20 minutes", "in 20 mins", "in an hour", "in 2 hours", "in half
    an hour", "in an hour and a half" (up to a day); else None."""
    said = " ".join(text.split()).casefold().rstrip(".!")
    m = _IN.fullmatch(said)
    if not m or m[2] not in _IN_UNITS:
        return None
    amount = float(m[1]) if m[1].isdigit() else _IN_WORDS[m[1]]
    minutes = amount * _IN_UNITS[m[2]] + (_IN_UNITS[m[2]] / 2 if m[3] else 0)
    if not 0 < minutes <= 24 * 60:
        return None
    return dt.timedelta(minutes=minutes)


def parse_time(text: str) -> str | None:
    """A 24-hour "HH:MM" from "9", "9:30", "09.30", "21:00", "9pm", "9:30 p.m.", "noon"; else None."""
    text = " ".join(text.split()).casefold()
    if text in _TIME_WORDS:
        return _TIME_WORDS[text]
    half = None
    if m := _AM_PM.fullmatch(text):
        text, half = m[1], m[2]
    m = _CLOCK.fullmatch(text) or _CLOCK_COMPACT.fullmatch(text)
    if not m:
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if minute > 59:
        return None
    if half is None:
        if hour > 23:
            return None
    else:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    return f"{hour:02d}:{minute:02d}"
