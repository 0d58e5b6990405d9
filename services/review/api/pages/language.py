"""The pages' language and how times read on them.

Bahasa Indonesia first, English on request (Flask-Babel). The catalogs are in
``services/review/translations`` (``.po`` and the compiled ``.mo``, both
committed; msgids are English). A request's language, first found wins:

1. ``?lang=id`` or ``?lang=en`` (the ID | EN switch in the page header), which the
   session then remembers;
2. the language the session remembers;
3. the signed-in account's preference (``language``, set through the accounts API);
4. the browser's ``Accept-Language``;
5. Indonesian.

Times show in the programme's time zone (``INAGARA_TIME_ZONE``, default
Asia/Jakarta) through ``shared.platform.formats``: "Senin, 30 Juni 2025 pukul
14.00 WIB".
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l

from shared.platform import formats

LANGUAGES = ("id", "en")
DEFAULT = "id"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
SESSION_KEY = "lang"

# How each proposal and assignment state reads on a page (the value stays in data-* attributes).
STATUS_LABELS = {
    "received": _l("received"),
    "screened": _l("screened"),
    "revision_requested": _l("revision requested"),
    "assigned": _l("assigned"),
    "scored": _l("scored"),
    "shortlisted": _l("shortlisted"),
    "rejected": _l("rejected"),
    "panel_assigned": _l("panel assigned"),
    "panel_scored": _l("panel scored"),
    "awarded": _l("awarded"),
    "not_awarded": _l("not awarded"),
    "withdrawn": _l("withdrawn"),
    # assignments
    "pending": _l("to score"),
    "submitted": _l("submitted"),
    "released": _l("released"),
    # cycles
    "open": _l("open"),
    "closed": _l("closed"),
    # rounds and roles
    "desk": _l("desk"),
    "panel": _l("panel"),
    "reviewer": _l("reviewer"),
    "secretariat": _l("secretariat"),
    "panelist": _l("panel member"),
    "observer": _l("observer (read-only)"),
    # field verification
    "pass": _l("pass"),
    "fail": _l("fail"),
    "adjust": _l("adjust"),
    # presentations and field visits
    "scheduled": _l("scheduled"),
    "cancelled": _l("cancelled"),
    "presentation": _l("presentation"),
    "visit": _l("field visit"),
    # objections ("open" as a cycle's)
    "answered": _l("answered"),
    "resolved": _l("resolved"),
}


def select_language() -> str:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        session[SESSION_KEY] = asked
        return asked
    remembered = session.get(SESSION_KEY)
    if remembered in LANGUAGES:
        return str(remembered)
    user = g.get("user")
    if user and user.get("language") in LANGUAGES:
        return str(user["language"])
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def language() -> str:
    return str(get_locale() or DEFAULT)


def _time_zone() -> str:
    return str(current_app.extensions["inagara_review"].time_zone)


def when(moment: datetime | None) -> str:
    """ "Senin, 30 Juni 2025 pukul 14.00 WIB" in the page's language."""
    return formats.format_datetime(moment, language(), _time_zone()) if moment else ""


def when_short(moment: datetime | str | None) -> str:
    """ "30 Jun 2025 14.00 WIB": in tables (an ISO text, as JSON columns keep it, too)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return formats.format_short_datetime(moment, language(), _time_zone()) if moment else ""


def day(moment: datetime | None) -> str:
    """ "30 Jun 2025", the day in the programme's time zone."""
    if not moment:
        return ""
    return formats.format_short_date(formats.local(moment, _time_zone()), language())


# How the profile's choices read (the values are the submission API's codes).
PROFILE_LABELS = {
    # categories (urusan pemerintahan)
    "education": _l("education"),
    "health": _l("health"),
    "public_works": _l("public works and spatial planning"),
    "housing": _l("housing and settlements"),
    "public_order": _l("public order and community protection"),
    "social": _l("social affairs"),
    "manpower": _l("manpower"),
    "women_child": _l("women's empowerment and child protection"),
    "food": _l("food"),
    "land": _l("land"),
    "environment": _l("environment"),
    "population_civil_registry": _l("population and civil registration"),
    "village_community": _l("village community empowerment"),
    "transportation": _l("transportation"),
    "communication_informatics": _l("communication and informatics"),
    "cooperatives_smes": _l("cooperatives and small businesses"),
    "investment": _l("investment"),
    "youth_sports": _l("youth and sports"),
    "culture": _l("culture"),
    "library": _l("libraries"),
    "archives": _l("archives"),
    "fisheries": _l("fisheries"),
    "tourism": _l("tourism"),
    "agriculture": _l("agriculture"),
    "trade": _l("trade"),
    "industry": _l("industry"),
    "water": _l("water supply"),
    "governance": _l("governance"),
    "other": _l("other"),
    # forms, kinds, maturities, innovation-lab stages
    "public_service": _l("public service"),
    "digital": _l("digital"),
    "non_digital": _l("non-digital"),
    "initiative": _l("initiative"),
    "trial": _l("trial"),
    "implemented": _l("implemented"),
    "drum_up": _l("drum up"),
    "diagnose": _l("diagnose"),
    "design": _l("design"),
    "deliver": _l("deliver"),
    "display": _l("display"),
}


def profile_label(value: Any) -> str:
    label = PROFILE_LABELS.get(str(value))
    return str(label) if label is not None else str(value)


# Why an assignment was released, as the use cases word it (a conflict adds the reviewer's words).
RELEASE_REASONS = {
    "superseded": _l("a new version superseded it"),
    "withdrawn": _l("the proposal was withdrawn"),
    "reassigned by the secretariat": _l("reassigned by the secretariat"),
}
CONFLICT = "conflict declared: "


def release_reason(value: Any) -> str:
    text = str(value or "")
    if text.startswith(CONFLICT):
        return str(_l("conflict declared: %(reason)s", reason=text.removeprefix(CONFLICT)))
    label = RELEASE_REASONS.get(text)
    return str(label) if label is not None else text


def status_label(value: Any) -> str:
    label = STATUS_LABELS.get(str(value))
    return str(label) if label is not None else str(value)


def language_url(code: str) -> str:
    """This page again in ``code``: the same path and query, ``lang`` set."""
    query = {**request.args.to_dict(), SESSION_KEY: code}
    return f"{request.path}?{urlencode(query)}"


def _template_globals() -> dict[str, Any]:
    return {
        "language": language(),
        "languages": LANGUAGES,
        "language_url": language_url,
        "time_zone": _time_zone(),
    }


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_language,
        default_locale=DEFAULT,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.jinja_env.filters.update(
        when=when,
        when_short=when_short,
        day=day,
        status=status_label,
        reason=release_reason,
        profile=profile_label,
        rupiah=formats.format_rupiah,
    )
    app.context_processor(_template_globals)
