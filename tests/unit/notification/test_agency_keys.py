"""The notification service checks agency API keys as the submission service mints and
hashes them (two places hold the rule: the submission domain imports nothing of ours)."""

from __future__ import annotations

from services.notification.store.agency_keys import KEY_PREFIX, _prefix, hashed
from services.submission.domain import key_prefix, mint_api_key
from services.submission.domain.keys import KEY_PREFIX as SUBMISSION_KEY_PREFIX


def test_a_minted_key_has_the_prefix_and_hash_the_notification_service_looks_for() -> None:
    assert KEY_PREFIX == SUBMISSION_KEY_PREFIX
    for _ in range(20):
        key = mint_api_key()
        assert _prefix(key.secret) == key_prefix(key.secret) == key.prefix
        assert hashed(key.secret) == key.hash
    for wrong in ("", "whsec_abc", "inag_short_x", "inag_12345678", "nope_12345678_x"):
        assert _prefix(wrong) == key_prefix(wrong)
