"""The first secretariat account of a real deployment: ``python -m services.review.bootstrap
--email sekretariat@example.go.id --name "Sekretariat"`` (``make first-account``).

Creates the account without a password and prints a one-time link to set one (valid
REVIEW_INVITE_TTL_HOURS); never a password. Refuses when an active secretariat account
exists already (``--again`` prints a new link for an account that has not set its password
yet, e.g. when the first link expired). Reads DATABASE_URL and REVIEW_UI_URL like the web
process; the database must be migrated (the migration Job, or INAGARA_AUTO_MIGRATE).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from services.review.api.link_mail import link_url
from services.review.config import ReviewSettings
from services.review.domain.errors import Conflict, NotFound
from services.review.migrations import SCHEMA
from services.review.usecases import access_links
from services.review.usecases.access_links import IssuedLink
from services.review.usecases.work import ReviewWork, work_factory
from shared.platform.db import make_engine
from shared.platform.migrations import ensure_current
from shared.platform.settings import Settings

ACTOR = "bootstrap"


def first_account(
    email: str, name: str, again: bool, review: ReviewSettings, uow: ReviewWork, now: datetime
) -> IssuedLink:
    """Raises Conflict (a secretariat exists; or, with ``again``, it has a password)."""
    with uow:
        secretariat = [u for u in uow.people.listing("secretariat") if u["active"]]
        existing = uow.people.by_email(email)
    if again:
        if existing is None:
            raise NotFound(f"No account with the email {email}.", "account.not_found")
        return access_links.reinvite_user(existing["id"], ACTOR, now, review.invite_ttl, uow)
    if secretariat:
        raise Conflict(
            "An active secretariat account exists: it invites the others (/ui/people).",
            "account.secretariat_exists",
        )
    values = {
        "name": name,
        "email": email,
        "role": "secretariat",
        "language": "id",
        "agency_code": "",
        "expertise": [],
        "max_load": 0,
        "active": True,
        "phone": None,
    }
    return access_links.invite_user(values, ACTOR, now, review.invite_ttl, uow)


def main(
    argv: Sequence[str] | None = None,
    settings: Settings | None = None,
    review: ReviewSettings | None = None,
) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", default="Sekretariat")
    parser.add_argument(
        "--again", action="store_true", help="a new link for an account without a password yet"
    )
    args = parser.parse_args(argv)
    if "@" not in args.email:
        parser.error("--email: not an email address")
    settings = settings or Settings.from_env("review")
    review = review or ReviewSettings.from_env()
    engine = make_engine(settings.database_url)
    try:
        ensure_current(SCHEMA, engine, settings.database_url, settings.auto_migrate)
        uow = work_factory(engine)()
        issued = first_account(args.email, args.name, args.again, review, uow, datetime.now(UTC))
    except (Conflict, NotFound) as exc:
        print(f"Not done: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    base = review.ui_url or "http://127.0.0.1:8002"
    print(f"Secretariat account {issued.user['email']} created (no password yet).")
    print(f"Open this link once, before {issued.expires_at.isoformat()}, to set its password:")
    print(link_url(base, issued.secret))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
