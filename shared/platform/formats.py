"""How a moment and an amount of money read to people, in Indonesian first.

- A moment shows in the programme's time zone (``INAGARA_TIME_ZONE``, default
  Asia/Jakarta), the Indonesian way: "Senin, 30 Juni 2025 pukul 14.00 WIB"
  (English: "Monday, 30 June 2025 at 14:00 WIB"). The zone's abbreviation is the
  one the time zone database gives: WIB (Asia/Jakarta, Asia/Pontianak), WITA
  (Asia/Makassar), WIT (Asia/Jayapura); a zone without a letter abbreviation shows
  its offset ("+07").
- Rupiah: "Rp150.000.000" (a dot between thousands, a comma before decimals).

Pure functions of their arguments: the caller passes the language and the zone.
The day and month names are written out here, not taken from the process locale,
so a server's locale settings change nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Jakarta"
LANGUAGES = ("id", "en")

_DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def zone(name: str | None) -> tzinfo:
    """The named IANA time zone; an empty or unknown name means Asia/Jakarta."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def _language(language: str | None) -> str:
    return language if language in LANGUAGES else "id"


def local(moment: datetime, time_zone: str | None = None) -> datetime:
    """``moment`` in the zone; a naive moment is taken as UTC (how the databases keep it)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(time_zone))


def format_date(day: date | datetime, language: str | None = "id") -> str:
    """ "Senin, 30 Juni 2025" (a datetime: its own calendar day, convert it first)."""
    lang = _language(language)
    return f"{_DAYS[lang][day.weekday()]}, {day.day} {_MONTHS[lang][day.month - 1]} {day.year}"


def format_short_date(day: date | datetime, language: str | None = "id") -> str:
    """ "30 Jun 2025": for tables."""
    lang = _language(language)
    return f"{day.day} {_MONTHS[lang][day.month - 1][:3]} {day.year}"


def format_time(moment: datetime, language: str | None = "id") -> str:
    """ "14.00 WIB" in Indonesian, "14:00 WIB" in English (the moment already local)."""
    separator = "." if _language(language) == "id" else ":"
    return f"{moment.hour:02d}{separator}{moment.minute:02d} {moment.tzname() or ''}".rstrip()


def format_datetime(
    moment: datetime, language: str | None = "id", time_zone: str | None = None
) -> str:
    """ "Senin, 30 Juni 2025 pukul 14.00 WIB" / "Monday, 30 June 2025 at 14:00 WIB"."""
    lang = _language(language)
    here = local(moment, time_zone)
    joiner = "pukul" if lang == "id" else "at"
    return f"{format_date(here, lang)} {joiner} {format_time(here, lang)}"


def format_short_datetime(
    moment: datetime, language: str | None = "id", time_zone: str | None = None
) -> str:
    """ "30 Jun 2025 14.00 WIB": for tables and audit logs."""
    here = local(moment, time_zone)
    return f"{format_short_date(here, language)} {format_time(here, language)}"


def format_rupiah(amount: int | float | Decimal | str, decimals: int = 0) -> str:
    """ "Rp150.000.000"; ``decimals`` > 0 gives "Rp1.500,50"; negative: "-Rp5.000"."""
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):.{decimals}f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}Rp{grouped}" + (f",{fraction}" if fraction else "")
