"""HTTP edge of the notification service: deliveries, preferences, unsubscribe.

Deliveries and preferences need the admin token (the secretariat's operators);
the unsubscribe page needs only the signed token from the email's link.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates

from services.notification.config import NotificationConfig, unsubscribe_secret
from services.notification.domain import LANGUAGES, Preference, tokens
from services.notification.domain.messages import CHANNELS, DEFAULT_TIME_ZONE, INSTANT, STATUSES
from services.notification.domain.schedule import is_time_zone
from services.notification.usecases import operators
from services.notification.usecases.work import NotificationWork, work_factory
from shared.events.proposal import normalise_phone
from shared.platform.privacy_notice import NOTICE_PATH
from shared.web import LARGEST_INTEGER, ServiceContext, bearer_token, is_admin

blp = Blueprint(
    "deliveries",
    __name__,
    url_prefix="/v1/deliveries",
    description="Emails and SMS sent or due, with every attempt (admin token).",
)
preferences_blp = Blueprint(
    "preferences",
    __name__,
    url_prefix="/v1/preferences",
    description="What each recipient (email address or phone number) wants (admin token).",
)
unsubscribe_blp = Blueprint(
    "unsubscribe",
    __name__,
    url_prefix="/unsubscribe",
    description="The page behind the unsubscribe link of non-essential email (RFC 8058).",
)


def _context() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["inagara"]
    return ctx


def _config() -> NotificationConfig:
    config: NotificationConfig = current_app.extensions["notification"]
    return config


def _work() -> NotificationWork:
    """A fresh unit of work for one use case of this request."""
    return work_factory(_context().engine)()


def _require_admin() -> None:
    if not is_admin(_context().settings, bearer_token()):
        abort(401, message="Send the admin token as `Authorization: Bearer <token>`.")


def normalise_address(raw: str) -> str:
    """An email address lowercased, or a phone number in E.164; raises ``ValidationError``."""
    raw = raw.strip()
    if "@" in raw:
        local, _, domain = raw.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in raw):
            raise ValidationError("Not an email address.")
        return raw.lower()
    return normalise_phone(raw)


def _address_or_422(raw: str) -> str:
    try:
        return normalise_address(raw)
    except ValidationError as exc:
        abort(422, errors={"address": exc.messages})
        raise  # abort raises; this line keeps type checkers calm


# -- deliveries ---------------------------------------------------------------------


class DeliveryQuerySchema(Schema):
    proposal_id = fields.String(load_default=None)
    recipient = fields.String(
        load_default=None, metadata={"description": "email address or phone number"}
    )
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=LARGEST_INTEGER))


class DeliverySchema(Schema):
    id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_type = fields.String(required=True)
    proposal_id = fields.String(required=True)
    channel = fields.String(
        required=True, metadata={"description": "`email`, `sms`, `whatsapp` or `webhook`"}
    )
    recipient = fields.String(
        required=True, metadata={"description": "address, phone number, or webhook endpoint id"}
    )
    template = fields.String(required=True)
    language = fields.String(required=True)
    essential = fields.Boolean(
        required=True, metadata={"description": "sent even to those who unsubscribed"}
    )
    subject = fields.String(
        required=True,
        metadata={"description": "empty for SMS; the approved template's name for WhatsApp"},
    )
    status = fields.String(
        required=True,
        metadata={
            "description": "pending, sending, sent, failed; held / digested for digests "
            "(an agency's daily email, instant messages over the day's cap); skipped: an "
            "instant message whose text the number got within the dedupe window"
        },
    )
    attempts = fields.Integer(required=True, metadata={"description": "in the current round"})
    next_attempt_at = fields.DateTime(required=True)
    created_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True)
    provider_id = fields.String(
        allow_none=True, metadata={"description": "Message-ID, or the gateway's message id"}
    )
    last_error = fields.String(allow_none=True)
    digest_id = fields.String(allow_none=True)
    note = fields.String(
        allow_none=True,
        metadata={
            "description": "what the channel policy did: skipped as a repeat, deferred to "
            "the digest, fell back to SMS"
        },
    )
    fallback_of = fields.String(
        allow_none=True,
        metadata={"description": "an SMS sent instead of this WhatsApp delivery, which failed"},
    )


class AttemptSchema(Schema):
    number = fields.Integer(required=True)
    started_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True)
    outcome = fields.String(required=True, metadata={"description": "sent, retry or failed"})
    error = fields.String(allow_none=True)
    provider_id = fields.String(allow_none=True)


class DeliveryDetailSchema(DeliverySchema):
    body_text = fields.String(required=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema), required=True)


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next_offset = fields.Integer(
        allow_none=True, metadata={"description": "pass as `offset` for the next page"}
    )


@blp.route("")
@blp.doc(security=[{"bearer": []}])
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryListSchema)
@blp.alt_response(401, description="Missing or wrong admin token")
def list_deliveries(query: dict[str, Any]) -> dict[str, Any]:
    """Deliveries, oldest first, filtered by proposal, recipient, status and channel."""
    _require_admin()
    if query["recipient"]:
        query["recipient"] = _address_or_422(query["recipient"])
    limit, offset = query.pop("limit"), query.pop("offset")
    items = operators.list_deliveries(operators.ListDeliveries(query, limit + 1, offset), _work())
    more = len(items) > limit
    return {"items": items[:limit], "next_offset": offset + limit if more else None}


@blp.route("/<delivery_id>")
@blp.doc(security=[{"bearer": []}])
@blp.response(200, DeliveryDetailSchema)
@blp.alt_response(401, description="Missing or wrong admin token")
@blp.alt_response(404, description="No such delivery")
def get_delivery(delivery_id: str) -> dict[str, Any]:
    """One delivery with its text and every attempt."""
    _require_admin()
    try:
        return operators.get_delivery(delivery_id, _work())
    except operators.NoSuchDelivery:
        abort(404, message="No such delivery.", code="delivery.not_found")
        raise  # abort raises; this line keeps type checkers calm


@blp.route("/<delivery_id>/retry", methods=["POST"])
@blp.doc(security=[{"bearer": []}])
@blp.response(202, DeliveryDetailSchema)
@blp.alt_response(401, description="Missing or wrong admin token")
@blp.alt_response(404, description="No such delivery")
@blp.alt_response(409, description="The delivery has not failed")
def retry_delivery(delivery_id: str) -> dict[str, Any]:
    """Send a failed delivery again, with a fresh budget of attempts."""
    _require_admin()
    try:
        return operators.retry_delivery(delivery_id, datetime.now(UTC), _work())
    except operators.NoSuchDelivery:
        abort(404, message="No such delivery.", code="delivery.not_found")
        raise  # abort raises; this line keeps type checkers calm
    except operators.NotFailed:
        abort(409, message="Only a failed delivery can be retried.", code="delivery.not_failed")
        raise


# -- preferences --------------------------------------------------------------------


class PreferenceSchema(Schema):
    address = fields.String(dump_only=True)
    email = fields.Boolean(load_default=True, metadata={"description": "send email"})
    sms = fields.Boolean(
        load_default=True, metadata={"description": "send instant messages (SMS or WhatsApp)"}
    )
    instant = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(INSTANT),
        metadata={
            "description": "preferred instant channel, whatsapp or sms; null: the event's "
            "or the default"
        },
    )
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))
    digest = fields.Boolean(
        load_default=False, metadata={"description": "agency contacts: one email a day"}
    )
    time_zone = fields.String(load_default=DEFAULT_TIME_ZONE)
    unsubscribed = fields.Boolean(
        load_default=False, metadata={"description": "no non-essential email"}
    )
    stored = fields.Boolean(dump_only=True, metadata={"description": "false: the defaults"})

    @validates("time_zone")
    def _known_zone(self, value: str, **_: Any) -> None:
        if not is_time_zone(value):
            raise ValidationError("Not a time zone (use an IANA name such as Asia/Jakarta).")


def _dump(preference: Preference, stored: bool) -> dict[str, Any]:
    return {**preference.__dict__, "stored": stored}


@preferences_blp.route("/<address>")
@preferences_blp.doc(security=[{"bearer": []}])
@preferences_blp.response(200, PreferenceSchema)
@preferences_blp.alt_response(401, description="Missing or wrong admin token")
@preferences_blp.alt_response(422, description="Not an email address or phone number")
def get_preference(address: str) -> dict[str, Any]:
    """A recipient's preferences (the defaults when none were stored)."""
    _require_admin()
    preference, stored = operators.get_preference(_address_or_422(address), _work())
    return _dump(preference, stored)


@preferences_blp.route("/<address>", methods=["PUT"])
@preferences_blp.doc(security=[{"bearer": []}])
@preferences_blp.arguments(PreferenceSchema)
@preferences_blp.response(200, PreferenceSchema)
@preferences_blp.alt_response(401, description="Missing or wrong admin token")
@preferences_blp.alt_response(422, description="Invalid fields")
def put_preference(body: dict[str, Any], address: str) -> dict[str, Any]:
    """Replace a recipient's preferences."""
    _require_admin()
    preference = Preference(address=_address_or_422(address), **body)
    operators.save_preference(preference, _work())
    return _dump(preference, True)


# -- unsubscribe (RFC 8058 one-click) --------------------------------------------------

# The page speaks Indonesian unless ?lang=en or the browser prefers English; a switch
# (ID | EN) keeps the token. Few words, so a table here rather than a message catalog.
_WORDS = {
    "id": {
        "invalid": "Tautan tidak valid.",
        "ask": "Berhenti menerima email pemberitahuan (bukan keputusan) untuk {address}?",
        "button": "Berhenti berlangganan",
        "done": "{address} tidak akan lagi menerima email pemberitahuan; "
        "keputusan atas usulan tetap dikirim.",
    },
    "en": {
        "invalid": "This link is not valid.",
        "ask": "Stop notification emails (not decisions) to {address}?",
        "button": "Unsubscribe",
        "done": "{address} will no longer get notification emails; decisions still arrive.",
    },
}
_PRIVACY_LABEL = {"id": "Pemberitahuan privasi", "en": "Privacy notice"}
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Inagara</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 40em; margin: 2em auto">
<nav id="language" style="text-align: right">{switch}</nav>
{body}
<p style="font-size: small"><a id="privacy-notice" href="{privacy}">{privacy_label}</a></p>
</body></html>
"""


def _language() -> str:
    asked = request.args.get("lang", "")
    if asked in _WORDS:
        return asked
    return request.accept_languages.best_match(tuple(_WORDS)) or "id"


def _words(key: str, address: str = "") -> str:
    strong = f"<strong>{html.escape(address)}</strong>"
    return _WORDS[_language()][key].format(address=strong)


def _page(body: str, status: int = 200) -> Response:
    token = request.args.get("token", "")
    switch = " | ".join(
        f'<a href="?{html.escape(urlencode({"token": token, "lang": code}), quote=True)}" '
        f'hreflang="{code}">{code.upper()}</a>'
        for code in _WORDS
    )
    language = _language()
    page = _PAGE.format(
        lang=language,
        switch=switch,
        body=body,
        privacy=NOTICE_PATH + ("?lang=en" if language == "en" else ""),
        privacy_label=_PRIVACY_LABEL[language],
    )
    return Response(page, status=status, mimetype="text/html")


def _address_from_token() -> str | None:
    settings = _context().settings
    config = _config()
    token = request.args.get("token", "")
    # Links signed before a rotation verify with the previous key (docs/OPERATE.md).
    for secret in (
        unsubscribe_secret(config, settings.admin_token, settings.production),
        config.previous_secret_key,
    ):
        if secret and (address := tokens.verify(secret, token)):
            return address
    return None


@unsubscribe_blp.route("", methods=["GET"])
@unsubscribe_blp.doc(
    parameters=[{"in": "query", "name": "token", "required": True, "schema": {"type": "string"}}]
)
@unsubscribe_blp.response(200, description="A page asking to confirm (HTML)")
@unsubscribe_blp.alt_response(400, description="The link is broken (HTML)")
def unsubscribe_page() -> Response:
    """Asks to confirm: a GET changes nothing, because mail scanners follow links."""
    address = _address_from_token()
    if address is None:
        return _page(f"<p>{_words('invalid')}</p>", 400)
    query = html.escape(
        urlencode({"token": request.args.get("token", ""), "lang": _language()}), quote=True
    )
    return _page(
        f"<p>{_words('ask', address)}</p>"
        f'<form method="post" action="?{query}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{_words("button")}</button></form>'
    )


@unsubscribe_blp.route("", methods=["POST"])
@unsubscribe_blp.doc(
    parameters=[{"in": "query", "name": "token", "required": True, "schema": {"type": "string"}}]
)
@unsubscribe_blp.response(200, description="Unsubscribed (HTML)")
@unsubscribe_blp.alt_response(400, description="The link is broken (HTML)")
def unsubscribe() -> Response:
    """Unsubscribes the address the token names (RFC 8058 one-click POST or the page's button)."""
    address = _address_from_token()
    if address is None:
        return _page(f"<p>{_words('invalid')}</p>", 400)
    operators.unsubscribe(address, _work())
    return _page(f"<p>{_words('done', address)}</p>")
