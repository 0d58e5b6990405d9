"""Pure rules of a person-wide request: the keyed hashes that find a person in another
service (shared/events/matching.py) and whether an evidence file's name names the person
(services/submission/domain/file_names.py)."""

from __future__ import annotations

import pytest

from services.submission.domain.file_names import names_person, neutral_name, traces_of
from shared.events.matching import email_hash, match_of, phone_hash

KEY = "match-key"


def test_the_hash_is_of_the_normalised_email_and_phone_and_needs_the_key() -> None:
    assert email_hash(KEY, " Ayu.Lestari@Dinkes.go.id ") == email_hash(
        KEY, "ayu.lestari@dinkes.go.id"
    )
    assert phone_hash(KEY, "0812-9876-5432") == phone_hash(KEY, "+62 812 9876 5432")
    assert phone_hash(KEY, "6281298765432") == phone_hash(KEY, "081298765432")
    assert email_hash(KEY, "ayu@x.id") != email_hash("another-key", "ayu@x.id")
    assert email_hash(KEY, "ayu@x.id") != phone_hash(KEY, "081298765432")
    assert len(email_hash(KEY, "ayu@x.id") or "") == 64
    assert "ayu" not in (email_hash(KEY, "ayu@x.id") or "")
    assert email_hash("", "ayu@x.id") is None and phone_hash("", "081298765432") is None
    assert phone_hash(KEY, "not a number") is None


def test_a_request_matches_only_with_a_key_and_something_to_match() -> None:
    assert match_of("", "ayu@x.id", None) is None
    assert match_of(KEY, None, None) is None
    found = match_of(KEY, "ayu@x.id", None)
    assert found == {"email": email_hash(KEY, "ayu@x.id"), "phone": None}


@pytest.mark.parametrize(
    "filename",
    [
        "KTP Ayu Lestari.pdf",
        "ktp_ayu_lestari.pdf",
        "CV-AyuLestari-2026.pdf",
        "surat ayu.lestari@dinkes.go.id.pdf",
        "ayu.lestari-pernyataan.pdf",
        "kontak 0812-9876-5432.png",
        "kontak_6281298765432.png",
    ],
)
def test_a_file_name_that_names_the_person(filename: str) -> None:
    traces = traces_of("Ayu Lestari", "ayu.lestari@dinkes.go.id", "+6281298765432")
    assert names_person(filename, traces)


@pytest.mark.parametrize(
    "filename",
    ["proposal-antrean.pdf", "Laporan Dinkes 2026.pdf", "foto-ayunan.jpg", "lestari-alam.png"],
)
def test_a_file_name_that_does_not(filename: str) -> None:
    traces = traces_of("Ayu Lestari", "ayu.lestari@dinkes.go.id", "+6281298765432")
    assert not names_person(filename, traces)


def test_the_new_name_keeps_the_extension_only() -> None:
    assert neutral_name("KTP Ayu Lestari.PDF", 2) == "berkas-2.pdf"
    assert neutral_name("Ayu Lestari", 1) == "berkas-1"
    assert neutral_name("Ayu.Lestari dokumen", 1) == "berkas-1"
    assert neutral_name("ayu.pdf") == "berkas.pdf"
