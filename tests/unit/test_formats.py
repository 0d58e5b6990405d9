"""How moments and rupiah read to people (shared.platform.formats)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shared.platform import formats


def test_the_example_of_the_issue() -> None:
    # 07:00 UTC is 14:00 in Jakarta (UTC+7).
    moment = datetime(2025, 6, 30, 7, 0, tzinfo=UTC)
    assert formats.format_datetime(moment) == "Senin, 30 Juni 2025 pukul 14.00 WIB"
    assert formats.format_datetime(moment, "en") == "Monday, 30 June 2025 at 14:00 WIB"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Jakarta", "Senin, 30 Juni 2025 pukul 14.00 WIB"),
        ("Asia/Pontianak", "Senin, 30 Juni 2025 pukul 14.00 WIB"),
        ("Asia/Makassar", "Senin, 30 Juni 2025 pukul 15.00 WITA"),
        ("Asia/Jayapura", "Senin, 30 Juni 2025 pukul 16.00 WIT"),
    ],
)
def test_the_three_indonesian_zones(zone: str, expected: str) -> None:
    assert formats.format_datetime(datetime(2025, 6, 30, 7, tzinfo=UTC), "id", zone) == expected


def test_every_day_and_month_name() -> None:
    # 1 January 2024 was a Monday; 7 days from it name every weekday once.
    days = [formats.format_date(date(2024, 1, 1) + timedelta(days=n)) for n in range(7)]
    assert [d.split(",")[0] for d in days] == [
        "Senin",
        "Selasa",
        "Rabu",
        "Kamis",
        "Jumat",
        "Sabtu",
        "Minggu",
    ]
    months = [formats.format_date(date(2025, m, 1)).split()[2] for m in range(1, 13)]
    assert months == [
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
    ]
    assert formats.format_date(date(2025, 8, 17), "en") == "Sunday, 17 August 2025"
    assert formats.format_short_date(date(2025, 8, 17)) == "17 Agu 2025"


def test_midnight_belongs_to_the_next_day_in_jakarta() -> None:
    # 17:00 UTC on the 16th is midnight of the 17th in WIB; 16:59 is still the 16th.
    assert (
        formats.format_datetime(datetime(2025, 8, 16, 17, 0, tzinfo=UTC))
        == "Minggu, 17 Agustus 2025 pukul 00.00 WIB"
    )
    assert (
        formats.format_datetime(datetime(2025, 8, 16, 16, 59, tzinfo=UTC))
        == "Sabtu, 16 Agustus 2025 pukul 23.59 WIB"
    )
    # New Year's Eve crosses the year, in WIT earlier than in WIB.
    assert formats.format_short_datetime(
        datetime(2025, 12, 31, 15, 30, tzinfo=UTC), "id", "Asia/Jayapura"
    ) == ("1 Jan 2026 00.30 WIT")


def test_indonesian_zones_have_no_daylight_saving() -> None:
    zone = formats.zone("Asia/Jakarta")
    offsets = {
        datetime(2025, month, 15, tzinfo=UTC).astimezone(zone).utcoffset() for month in range(1, 13)
    }
    assert offsets == {timedelta(hours=7)}


def test_a_zone_with_daylight_saving_keeps_its_own_abbreviation() -> None:
    summer = formats.format_datetime(datetime(2025, 7, 1, 12, tzinfo=UTC), "en", "Europe/Berlin")
    winter = formats.format_datetime(datetime(2025, 1, 1, 12, tzinfo=UTC), "en", "Europe/Berlin")
    assert summer.endswith("at 14:00 CEST") and winter.endswith("at 13:00 CET")


def test_naive_moments_are_utc_and_an_unknown_zone_is_jakarta() -> None:
    naive = datetime(2025, 6, 30, 7, 0)
    assert formats.format_datetime(naive) == "Senin, 30 Juni 2025 pukul 14.00 WIB"
    assert formats.format_datetime(naive, "id", "Mars/Olympus") == formats.format_datetime(naive)
    assert formats.format_datetime(naive, "fr") == formats.format_datetime(naive, "id")


@pytest.mark.parametrize(
    ("amount", "decimals", "expected"),
    [
        (150_000_000, 0, "Rp150.000.000"),
        (0, 0, "Rp0"),
        (999, 0, "Rp999"),
        (1000, 0, "Rp1.000"),
        (1_234_567_890_123, 0, "Rp1.234.567.890.123"),
        (-5000, 0, "-Rp5.000"),
        (Decimal("1500.5"), 2, "Rp1.500,50"),
        ("2500000.456", 2, "Rp2.500.000,46"),
        (1499.5, 0, "Rp1.500"),
    ],
)
def test_rupiah(amount: object, decimals: int, expected: str) -> None:
    assert formats.format_rupiah(amount, decimals) == expected  # type: ignore[arg-type]
