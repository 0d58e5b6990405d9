"""Passwords (policy, argon2, older hashes) and the invitation / reset links, on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from services.review.adapters import passwords
from services.review.domain import password_policy
from services.review.domain.access_mail import compose
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import access_links, reviewing
from services.review.usecases.accounts import authenticate, change_user, create_user
from tests.unit.review.fakes import FakeReviewWork

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
DAY = timedelta(days=1)
GOOD = "kopi tubruk di pagi hari"


def _person(email: str = "budi@example.go.id", role: str = "reviewer") -> dict[str, object]:
    return {"name": "Budi", "email": email, "role": role, "agency_code": "", "max_load": 5}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-one", "at least 12"),
        ("password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("budi.santoso-rahasia", "email"),
        ("my budi.santoso@example.go.id", "email"),
    ],
)
def test_the_policy_refuses_weak_passwords(password: str, reason: str) -> None:
    found = password_policy.problems(password, "budi.santoso@example.go.id")
    assert any(reason in p for p in found), found


def test_the_policy_accepts_a_long_unrelated_passphrase() -> None:
    assert password_policy.problems(GOOD, "budi.santoso@example.go.id") == []


def test_new_hashes_are_argon2_and_older_werkzeug_hashes_still_verify() -> None:
    new = passwords.hash_password(GOOD)
    old = generate_password_hash(GOOD)
    assert new.startswith("$argon2id$") and passwords.verify(new, GOOD)
    assert not passwords.verify(new, GOOD + "!")
    assert passwords.verify(old, GOOD) and not passwords.verify(old, "something else entirely")
    assert passwords.needs_rehash(old) and not passwords.needs_rehash(new)
    assert not passwords.verify(passwords.NO_PASSWORD, "")


def test_a_login_with_an_older_hash_rehashes_it_with_argon2() -> None:
    work = FakeReviewWork()
    work.people.insert({"id": "u-1", **_person(), "password_hash": generate_password_hash(GOOD)})

    assert authenticate(work, "budi@example.go.id", GOOD) is not None
    stored = work.people.rows["u-1"]["password_hash"]
    assert stored.startswith("$argon2id$") and passwords.verify(stored, GOOD)


def test_creating_or_changing_a_password_applies_the_policy() -> None:
    work = FakeReviewWork()
    with pytest.raises(Invalid) as refused:
        create_user({**_person(), "password": "budi-12345678"}, "admin", work)
    assert "password" in refused.value.errors
    made = create_user({**_person(), "password": GOOD}, "admin", work)
    with pytest.raises(Invalid):
        change_user(made["id"], {"password": "short"}, "admin", NOW, work)


def test_an_invitation_creates_an_account_without_a_password_and_its_link_sets_one() -> None:
    work = FakeReviewWork()
    issued = access_links.invite_user(_person(), "sec-1", NOW, DAY, work)
    user_id = issued.user["id"]

    assert issued.secret.startswith("rvl_") and issued.expires_at == NOW + DAY
    assert authenticate(work, "budi@example.go.id", "") is None
    assert access_links.link_holder(issued.secret, NOW, work) == (issued.user, "invite")
    with pytest.raises(Invalid):
        access_links.set_password(issued.secret, "too short", NOW, work)

    access_links.set_password(issued.secret, GOOD, NOW, work)

    assert authenticate(work, "budi@example.go.id", GOOD) is not None
    with pytest.raises(NotFound):  # single use
        access_links.set_password(issued.secret, GOOD + " lagi", NOW, work)
    assert work.audit.actions(user_id) == ["invited", "invitation_accepted"]
    assert user_id in work.people.tokens_ended


def test_an_expired_link_sets_nothing() -> None:
    work = FakeReviewWork()
    issued = access_links.invite_user(_person(), "sec-1", NOW, DAY, work)
    later = NOW + DAY + timedelta(seconds=1)
    assert access_links.link_holder(issued.secret, later, work) is None
    with pytest.raises(NotFound):
        access_links.set_password(issued.secret, GOOD, later, work)


def test_a_reset_replaces_the_earlier_link_and_ends_the_sessions_when_used() -> None:
    work = FakeReviewWork()
    made = create_user({**_person(), "password": GOOD}, "admin", work)
    first = access_links.request_reset("budi@example.go.id", None, NOW, DAY, work)
    second = access_links.request_reset("budi@example.go.id", None, NOW, DAY, work)
    assert first is not None and second is not None and first.purpose == "reset"
    assert access_links.link_holder(first.secret, NOW, work) is None

    access_links.set_password(second.secret, "teh manis tanpa gula", NOW, work)

    assert authenticate(work, "budi@example.go.id", "teh manis tanpa gula") is not None
    assert authenticate(work, "budi@example.go.id", GOOD) is None
    assert work.audit.actions(made["id"])[-1] == "password_reset"


def test_no_reset_for_an_unknown_or_deactivated_account() -> None:
    work = FakeReviewWork()
    made = create_user({**_person(), "password": GOOD}, "admin", work)
    assert access_links.request_reset("nobody@example.go.id", None, NOW, DAY, work) is None
    change_user(made["id"], {"active": False}, "sec-1", NOW, work)
    assert access_links.request_reset("budi@example.go.id", None, NOW, DAY, work) is None
    assert work.audit.actions(made["id"])[-1] == "deactivated"


def test_an_email_cannot_be_invited_twice() -> None:
    work = FakeReviewWork()
    access_links.invite_user(_person(), "sec-1", NOW, DAY, work)
    with pytest.raises(Conflict):
        access_links.invite_user(_person(), "sec-1", NOW, DAY, work)


def test_role_changes_are_audited_by_name() -> None:
    work = FakeReviewWork()
    made = create_user({**_person(), "password": GOOD}, "admin", work)
    change_user(made["id"], {"role": "observer"}, "sec-1", NOW, work)
    entry = work.audit.entries(made["id"])[-1]
    assert entry["action"] == "role_changed"
    assert entry["before"] == {"role": "reviewer"} and entry["after"] == {"role": "observer"}


def test_the_invitation_email_is_indonesian_first_and_carries_the_link() -> None:
    mail = compose("invite", "Budi", "observer", "https://r.example/ui/access/rvl_x", "Kamis")
    assert mail.body.index("Yth. Budi") < mail.body.index("Dear Budi")
    assert "https://r.example/ui/access/rvl_x" in mail.body and "pemantau" in mail.body


def test_the_desk_round_picks_only_desk_reviewers_who_accepted_their_invitation() -> None:
    work = FakeReviewWork()
    people = (
        ("desk-1", "reviewer", "a-hash"),
        ("invited-1", "reviewer", passwords.NO_PASSWORD),
        ("panel-1", "panelist", "a-hash"),
        ("obs-1", "observer", "a-hash"),
    )
    for uid, role, stored in people:
        work.people.insert(
            {
                "id": uid,
                **_person(f"{uid}@example.go.id", role),
                "expertise": [],
                "password_hash": stored,
            }
        )
    assert [c.id for c in reviewing.candidates(work)] == ["desk-1"]
    named = ["desk-1", "panel-1", "obs-1"]
    assert sorted(c.id for c in reviewing.candidates(work, named)) == ["desk-1", "panel-1"]
