"""The second factor's pure parts: typed codes, recovery codes, TOTP steps, the setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.review.adapters import totp
from services.review.config import ReviewSettings
from services.review.domain import second_factor
from shared.platform.settings import SettingsError

AT = datetime(2026, 12, 3, 7, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=totp.STEP_S)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("123 456", "123456"), (" abcd-efgh-jkmn-pqrs ", "ABCDEFGHJKMNPQRS"), ("", "")],
)
def test_codes_are_compared_without_spaces_dashes_or_case(typed: str, expected: str) -> None:
    assert second_factor.normal(typed) == expected


def test_a_typed_code_is_totp_or_recovery_by_its_shape() -> None:
    assert second_factor.is_totp("123 456") and not second_factor.is_totp("12345")
    assert not second_factor.is_totp("12345a")
    code = second_factor.new_recovery_code()
    assert second_factor.is_recovery(code) and second_factor.is_recovery(code.lower())
    assert not second_factor.is_totp(code)
    assert not second_factor.is_recovery("123456")
    assert not second_factor.is_recovery("ILOU-ILOU-ILOU-ILOU"), "letters never issued"


def test_recovery_codes_are_ten_distinct_groups_of_four() -> None:
    codes = second_factor.new_recovery_codes()
    assert len(codes) == second_factor.RECOVERY_CODES == len(set(codes))
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]


def test_a_code_matches_its_step_and_one_either_side_only() -> None:
    secret = totp.new_secret()
    step = totp.matching_step(secret, totp.code_at(secret, AT), AT)
    assert step is not None
    assert totp.matching_step(secret, totp.code_at(secret, AT - STEP), AT) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, AT + STEP), AT) == step + 1
    late = totp.code_at(secret, AT - 3 * STEP)
    assert late != totp.code_at(secret, AT)
    assert totp.matching_step(secret, late, AT) is None
    assert totp.matching_step(totp.new_secret(), totp.code_at(secret, AT), AT) in (None, step)


def test_the_rfc_6238_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (eight digits); six digits: 287082.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at(secret, datetime.fromtimestamp(59, UTC)) == "287082"


def test_the_enrolment_uri_and_qr_code() -> None:
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "sari@example.go.id")
    assert uri.startswith("otpauth://totp/Inagara:sari%40example.go.id?")
    assert f"secret={secret}" in uri and "issuer=Inagara" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg") and "<script" not in svg


def test_the_second_factor_is_required_in_production_unless_set() -> None:
    assert ReviewSettings().second_factor_roles(production=True) == ("secretariat",)
    assert ReviewSettings().second_factor_roles(production=False) == ()
    off = ReviewSettings.from_env({"REVIEW_REQUIRE_SECOND_FACTOR": "false"})
    assert off.second_factor_roles(production=True) == ()
    on = ReviewSettings.from_env({"REVIEW_REQUIRE_SECOND_FACTOR": "true"})
    assert on.second_factor_roles(production=False) == ("secretariat",)
    assert ReviewSettings.from_env({"REVIEW_REQUIRE_SECOND_FACTOR": ""}) == ReviewSettings()
    with pytest.raises(SettingsError, match="REVIEW_REQUIRE_SECOND_FACTOR"):
        ReviewSettings.from_env({"REVIEW_REQUIRE_SECOND_FACTOR": "maybe"})
