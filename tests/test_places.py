"""Tests for flows.lib.places: typed countries, time zones and times to settings, and back."""

from __future__ import annotations

import datetime as dt
import tomllib
import zoneinfo

import pytest
from babel.core import get_global

from flows.lib import places
from flows.lib.places import (
    country_name,
    parse_country,
    parse_time,
    parse_timezone,
    suggest_timezones,
    timezone_label,
    tzinfo_for,
)

# ---------------------------------------------------------------- parse_country


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO codes, any case, surrounding space
        ("gb", "GB"),
        ("GB", "GB"),
        (" us ", "US"),
        ("xk", "XK"),  # Kosovo: user-assigned but a real place
        # aliases from places.toml
        ("UK", "GB"),
        ("U.K.", "GB"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("u.s.a.", "US"),
        ("America", "US"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("wales", "GB"),
        ("Northern Ireland", "GB"),
        ("Holland", "NL"),
        ("Korea", "KR"),
        ("South Korea", "KR"),
        ("Czech Republic", "CZ"),
        ("Turkey", "TR"),
        # English names from Babel: case, accents, punctuation, "&"/"and", "the", "saint"
        ("united kingdom", "GB"),
        ("UNITED STATES", "US"),
        ("Brazil", "BR"),
        ("Côte d’Ivoire", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("cote divoire", "CI"),
        ("Türkiye", "TR"),
        ("turkiye", "TR"),
        ("the Netherlands", "NL"),
        ("Bosnia and Herzegovina", "BA"),
        ("Saint Kitts and Nevis", "KN"),
        ("st. lucia", "LC"),
        ("guinea bissau", "GW"),
        ("Timor Leste", "TL"),
        ("Sao Tome and Principe", "ST"),
        ("Myanmar", "MM"),  # Babel: "Myanmar (Burma)"
        ("Burma", "MM"),
        ("Kosovo", "XK"),
    ],
)
def test_parse_country_matches(text: str, expected: str) -> None:
    assert parse_country(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?",
        "Narnia",
        "Brasil",  # English names only
        "Deutschland",
        "Congo",  # ambiguous: CD or CG
        # CLDR territories that are not countries
        "EU",
        "European Union",
        "UN",
        "United Nations",
        "ZZ",
        "Unknown Region",
        "QO",
        "EZ",
        "Eurozone",
        "XA",
        "XB",
        "World",
        "Europe",
        "001",
    ],
)
def test_parse_country_rejects(text: str) -> None:
    assert parse_country(text) is None


@pytest.mark.parametrize(
    ("code", "name"),
    [("GB", "United Kingdom"), ("US", "United States"), ("gb", "United Kingdom"), ("IN", "India")],
)
def test_country_name(code: str, name: str) -> None:
    assert country_name(code) == name


@pytest.mark.parametrize("code", ["EU", "ZZ", "UK", "", "USA"])
def test_country_name_rejects(code: str) -> None:
    with pytest.raises(ValueError):
        country_name(code)


def test_every_country_name_parses_back() -> None:
    for code in places._countries():
        assert parse_country(country_name(code)) == code, code


# ----------------------------------------------------------- suggest_timezones


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("US", ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]),
        ("us", ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]),
        ("AU", ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth"]),
        ("CA", ["America/Toronto", "America/Vancouver", "America/Edmonton", "America/Halifax"]),
        ("BR", ["America/Sao_Paulo", "America/Manaus", "America/Rio_Branco", "America/Noronha"]),
        ("MX", ["America/Mexico_City", "America/Tijuana", "America/Mazatlan", "America/Hermosillo"]),
        ("RU", ["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Krasnoyarsk"]),
        ("GB", ["Europe/London"]),
        ("IN", ["Asia/Kolkata"]),  # canonical, not Asia/Calcutta
        ("UA", ["Europe/Kyiv", "Europe/Simferopol"]),  # not Europe/Kiev
        ("VN", ["Asia/Ho_Chi_Minh"]),  # not Asia/Saigon
        ("XK", ["Europe/Belgrade"]),  # Babel has none; places.toml supplies it
        ("EU", []),
        ("ZZ", []),  # would be Etc/GMT±N
        ("NOPE", []),
    ],
)
def test_suggest_timezones(code: str, expected: list[str]) -> None:
    assert suggest_timezones(code) == expected


def test_suggest_timezones_limit_and_completeness() -> None:
    assert suggest_timezones("US", limit=2) == ["America/New_York", "America/Chicago"]
    assert suggest_timezones("US", limit=0) == []
    everything = suggest_timezones("US", limit=1000)
    assert len(everything) == len(set(everything))
    # The override puts the big zones first and the rest of Babel's list follows.
    assert set(get_global("territory_zones")["US"]) <= set(everything)


def test_suggested_zones_are_real_and_canonical() -> None:
    available = zoneinfo.available_timezones()
    for code in places._countries():
        for zone in suggest_timezones(code, limit=1000):
            assert zone in available, (code, zone)
            assert parse_timezone(zone) == zone, (code, zone)  # canonical
            assert not zone.startswith("Etc/"), (code, zone)


# ------------------------------------------------------------- parse_timezone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # IANA names, any case, spaces for underscores
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("America/New_York", "America/New_York"),
        ("America/New York", "America/New_York"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        # legacy IANA names come back canonical
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("US/Eastern", "America/New_York"),
        ("America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        # cities: the last part of a zone name, accents ignored
        ("London", "Europe/London"),
        ("tokyo", "Asia/Tokyo"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("Buenos Aires", "America/Argentina/Buenos_Aires"),
        ("Indianapolis", "America/Indiana/Indianapolis"),
        ("Saint John's", "America/St_Johns"),
        ("Ho Chi Minh City", "Asia/Ho_Chi_Minh"),  # Babel's exemplar city
        ("Calcutta", "Asia/Kolkata"),  # legacy zone's city
        ("Kiev", "Europe/Kyiv"),
        ("Saigon", "Asia/Ho_Chi_Minh"),
        ("Montreal", "America/Toronto"),
        # city aliases from places.toml
        ("Mumbai", "Asia/Kolkata"),
        ("delhi", "Asia/Kolkata"),
        ("Bangalore", "Asia/Kolkata"),
        ("San Francisco", "America/Los_Angeles"),
        ("Seattle", "America/Los_Angeles"),
        ("Washington", "America/New_York"),
        ("Boston", "America/New_York"),
        ("Miami", "America/New_York"),
        ("Beijing", "Asia/Shanghai"),
        ("Munich", "Europe/Berlin"),
        ("Barcelona", "Europe/Madrid"),
        ("Milan", "Europe/Rome"),
        ("Rio de Janeiro", "America/Sao_Paulo"),
        # "City, Country"
        ("London, UK", "Europe/London"),
        ("Perth, Australia", "Australia/Perth"),
        # abbreviations follow the local clock, DST included (not IANA's fixed "EST")
        ("EST", "America/New_York"),
        ("pst", "America/Los_Angeles"),
        ("BST", "Europe/London"),
        # offsets
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("Z", "UTC"),
        ("UTC+0", "UTC"),
        ("GMT-00:00", "UTC"),
        ("UTC+5", "UTC+05:00"),
        ("GMT-3", "UTC-03:00"),
        ("UTC+05:30", "UTC+05:30"),
        ("UTC +5:30", "UTC+05:30"),
        ("utc+5:30", "UTC+05:30"),
        ("+5:30", "UTC+05:30"),
        ("+0530", "UTC+05:30"),
        ("-3", "UTC-03:00"),
        ("UTC+5:45", "UTC+05:45"),
        ("UTC\u22125", "UTC-05:00"),  # typographic minus
        ("UTC+14", "UTC+14:00"),
        ("UTC-12:00", "UTC-12:00"),
        # Etc/GMT: POSIX signs are inverted, so Etc/GMT+5 is five hours *behind* UTC
        ("Etc/GMT+5", "UTC-05:00"),
        ("etc/gmt-3", "UTC+03:00"),
        ("Etc/GMT-14", "UTC+14:00"),
        ("Etc/GMT+12", "UTC-12:00"),
        ("Etc/GMT0", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Etc/Zulu", "UTC"),
    ],
)
def test_parse_timezone(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "Narnia",
        "Europe/Narnia",
        "UTC+15",
        "UTC-13",
        "UTC+14:30",
        "UTC-12:30",
        "UTC+5:20",  # not a quarter hour
        "UTC+5:60",
        "UTC 5",
        "Etc/GMT+13",
        "Etc/Unknown",
        "Factory",
        "localtime",
        "../../etc/passwd",
        "IST",  # ambiguous, deliberately not an abbreviation
        "North",  # "Australia/North" is a region, not a city
        "Samoa",  # legacy "Pacific/Samoa" is Pago Pago, 24 h away from Samoa
    ],
)
def test_parse_timezone_rejects(text: str) -> None:
    assert parse_timezone(text) is None


def test_parse_timezone_never_returns_etc_names() -> None:
    for name in zoneinfo.available_timezones():
        result = parse_timezone(name)
        assert result is None or not result.startswith("Etc/"), (name, result)


@pytest.mark.parametrize("hours", range(-14, 13))
def test_etc_gmt_sign_trap(hours: int) -> None:
    """Whatever Etc/GMT±N says, the setting must give the offset the zone really has."""
    name = f"Etc/GMT{hours:+d}" if hours else "Etc/GMT"
    setting = parse_timezone(name)
    assert setting is not None and not setting.startswith("Etc/")
    moment = dt.datetime(2026, 7, 1, 12, 0)
    real = moment.replace(tzinfo=zoneinfo.ZoneInfo(name)).utcoffset()
    assert moment.replace(tzinfo=tzinfo_for(setting)).utcoffset() == real
    assert real == dt.timedelta(hours=-hours)


def test_etc_gmt_plus_five_is_behind_utc() -> None:
    assert parse_timezone("Etc/GMT+5") == "UTC-05:00"
    assert tzinfo_for("UTC-05:00").utcoffset(None) == dt.timedelta(hours=-5)


def test_every_canonical_zone_round_trips() -> None:
    """Every zone name and its button label parse back to the zone."""
    for zone in places._canonical_zones():
        assert parse_timezone(zone) == zone
        assert parse_timezone(timezone_label(zone)) == zone, (zone, timezone_label(zone))


# ------------------------------------------------------------------ tzinfo_for


def test_tzinfo_for_dst_zone() -> None:
    london = tzinfo_for("Europe/London")
    assert isinstance(london, zoneinfo.ZoneInfo)
    assert dt.datetime(2026, 7, 1, 12, tzinfo=london).utcoffset() == dt.timedelta(hours=1)
    assert dt.datetime(2026, 1, 1, 12, tzinfo=london).utcoffset() == dt.timedelta(0)
    assert dt.datetime(2026, 7, 1, 12, tzinfo=london).isoformat().endswith("+01:00")
    assert dt.datetime(2026, 1, 1, 12, tzinfo=london).isoformat().endswith("+00:00")


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("UTC", dt.timedelta(0)),
        ("UTC+05:30", dt.timedelta(hours=5, minutes=30)),
        ("UTC-03:00", dt.timedelta(hours=-3)),
        ("UTC+14:00", dt.timedelta(hours=14)),
        ("UTC-12:00", dt.timedelta(hours=-12)),
        ("UTC+05:45", dt.timedelta(hours=5, minutes=45)),
    ],
)
def test_tzinfo_for_offsets(name: str, offset: dt.timedelta) -> None:
    tz = tzinfo_for(name)
    assert isinstance(tz, dt.timezone)
    for month in (1, 7):  # fixed: no DST
        assert dt.datetime(2026, month, 1, tzinfo=tz).utcoffset() == offset


@pytest.mark.parametrize(
    "name",
    ["", "Narnia", "europe/london", "UTC+5", "UTC+5:30", "utc", "UTC+00:00", "UTC+15:00", "UTC+05:20", "localtime"],
)
def test_tzinfo_for_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        tzinfo_for(name)


def test_tzinfo_for_accepts_every_setting_parse_timezone_makes() -> None:
    for text in ["London", "Mumbai", "UTC+5:30", "GMT-3", "Z", "Etc/GMT+5", "EST"]:
        setting = parse_timezone(text)
        assert setting is not None
        tzinfo_for(setting)


# -------------------------------------------------------------- timezone_label


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("America/New_York", "New York"),
        ("Europe/London", "London"),
        ("Asia/Kolkata", "Kolkata"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires"),
        ("America/St_Johns", "St. John’s"),  # Babel exemplar city
        ("Asia/Ho_Chi_Minh", "Ho Chi Minh City"),
        ("UTC+05:30", "UTC+05:30"),
        ("UTC-03:00", "UTC-03:00"),
        ("UTC", "UTC"),
    ],
)
def test_timezone_label(name: str, label: str) -> None:
    assert timezone_label(name) == label


def test_timezone_labels_are_short_and_distinct_for_suggestions() -> None:
    for code in ["US", "AU", "CA", "BR", "MX", "RU", "ID", "ES", "PT", "CL"]:
        labels = [timezone_label(z) for z in suggest_timezones(code)]
        assert len(set(labels)) == len(labels), code
        assert all(0 < len(label) <= 32 for label in labels), labels


@pytest.mark.parametrize("name", ["", "Narnia", "UTC+5"])
def test_timezone_label_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        timezone_label(name)


# ------------------------------------------------------------------ parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", "09:00"),
        ("09", "09:00"),
        (" 7 ", "07:00"),
        ("0", "00:00"),
        ("9:30", "09:30"),
        ("09.30", "09:30"),
        ("9h30", "09:30"),
        ("0930", "09:30"),
        ("21:00", "21:00"),
        ("23:59", "23:59"),
        ("00:00", "00:00"),
        ("9am", "09:00"),
        ("9 AM", "09:00"),
        ("9 pm", "21:00"),
        ("9 p.m.", "21:00"),
        ("9:30pm", "21:30"),
        ("930pm", "21:30"),
        ("12am", "00:00"),
        ("12:30am", "00:30"),
        ("12pm", "12:00"),
        ("noon", "12:00"),
        ("Midnight", "00:00"),
    ],
)
def test_parse_time(text: str, expected: str) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "soon", "25:00", "24:00", "9:61", "9:5", "13pm", "0am", "am", "pm", "9:30:00", "-1", "nine", "9 30"],
)
def test_parse_time_rejects(text: str) -> None:
    assert parse_time(text) is None


# ------------------------------------------------------------------ places.toml


def _toml() -> dict:
    with places.PLACES_FILE.open("rb") as f:
        return tomllib.load(f)


def test_places_toml_has_the_expected_tables() -> None:
    data = _toml()
    for table in ("country_aliases", "city_aliases", "zone_abbreviations", "suggested_zones"):
        assert isinstance(data.get(table), dict) and data[table], table


def test_every_country_alias_resolves() -> None:
    for alias, code in _toml()["country_aliases"].items():
        assert code in places._countries(), (alias, code)
        assert parse_country(alias) == code, alias


@pytest.mark.parametrize("table", ["city_aliases", "zone_abbreviations"])
def test_every_zone_alias_resolves(table: str) -> None:
    available = zoneinfo.available_timezones()
    for alias, zone in _toml()[table].items():
        assert zone in available, (alias, zone)
        assert parse_timezone(zone) == zone, (alias, zone)  # canonical, not a legacy link
        assert parse_timezone(alias) == zone, alias


def test_every_suggested_zone_is_real_and_in_its_country() -> None:
    available = zoneinfo.available_timezones()
    territory_zones = get_global("territory_zones")
    for code, zones in _toml()["suggested_zones"].items():
        assert code in places._countries(), code
        assert len(zones) == len(set(zones)), code
        for zone in zones:
            assert zone in available, (code, zone)
            assert parse_timezone(zone) == zone, (code, zone)
            if territory_zones.get(code):  # Babel has no zones for XK
                assert zone in territory_zones[code], (code, zone)
        assert suggest_timezones(code, limit=len(zones)) == zones, code


# --------------------------------------------------------- one time zone, a time from now


@pytest.mark.parametrize(
    ("code", "zone"),
    [("GB", "Europe/London"), ("IE", "Europe/Dublin"), ("JP", "Asia/Tokyo"), ("DE", "Europe/Berlin"),
     ("US", None), ("AU", None), ("PT", None), ("ZZ", None)],
)
def test_single_timezone(code: str, zone: str | None) -> None:
    """Germany's Busingen keeps Berlin's clock: one clock, no question."""
    assert places.single_timezone(code) == zone


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("in 20 minutes", 20), ("In 20 mins", 20), ("in 5 min.", 5), ("in an hour", 60), ("in 1 hour", 60),
     ("in 2 hours", 120), ("in half an hour", 30), ("in an hour and a half", 90), ("in 30m", 30)],
)
def test_parse_delay(text: str, minutes: int) -> None:
    assert places.parse_delay(text) == dt.timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["20 minutes", "in 0 minutes", "in 5", "in a while", "in 30 days", "18:30"])
def test_parse_delay_rejects(text: str) -> None:
    assert places.parse_delay(text) is None
