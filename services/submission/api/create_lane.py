"""The create lane: the common case of ``POST /v1/proposals`` answered without Flask's
per-request machinery, everything else by the app as before.

Most requests a portal sends are one shape: a JSON proposal, submitted at once, with an
agency key, valid. For that shape the app's path spends more CPU on its framework
(routing, request and application contexts, webargs reading three locations, before-
and after-request hooks, the response wrapper) than on the proposal; the lane runs the
same steps directly, as WSGI:

- the same body rules (size, JSON, depth, no NUL character),
- the same credential check (the process's recent keys),
- the same schema (``ProposalWriteSchema``),
- the same use case in the same grouped unit of work (the proposal and its event
  committed together before the 201),
- the same answer: the body ``jsonify`` would give, ``Location``, the security headers,
  the request counted and timed in the same metrics under the same route.

Whenever a request is not that shape, or any step says no (a bad body, an unknown key, a
drafter, a closed window, a cycle with an agency maximum, sealing, an
``Idempotency-Key``, a query string), the lane hands the untouched request to the app,
which answers it exactly as it always did. A step that says no has written nothing: the
use case refuses before its unit of work commits. So the lane changes how fast an
accepted proposal is answered, never what any request is answered.
"""

from __future__ import annotations

import hmac
import io
import json
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from flask import Flask
from marshmallow import ValidationError

from services.submission.api.auth import SubmissionContext
from services.submission.api.proposals import _PROFILE_JSON
from services.submission.api.schemas import ProposalWriteSchema
from services.submission.api.text_guard import contains_nul
from services.submission.store import Caller
from services.submission.store.cycle_records import known_cycles
from services.submission.usecases import proposals as usecases
from services.submission.usecases.agencies import authenticate_key
from shared.platform.logs import correlation_id
from shared.platform.metrics import LATENCY, REQUESTS
from shared.web.auth import is_admin
from shared.web.bodies import MAX_JSON_DEPTH, json_depth
from shared.web.responses import SECURITY_HEADERS

PATH = "/v1/proposals"
ROUTE = "/v1/proposals"  # the route the app's metrics name (``request.url_rule.rule``)
SERVICE = "submission"


class Decline(Exception):
    """Not the lane's shape: the app answers this request."""


class CreateLane:
    """WSGI middleware in front of the submission app (see the module's docstring)."""

    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._inner = inner
        self._schema = ProposalWriteSchema()
        self.taken = 0  # requests the lane answered (for tests and the curious)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._shape(environ):
            return self._inner(environ, start_response)
        started = time.perf_counter()
        length = int(environ["CONTENT_LENGTH"])
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # the app reads it again if it answers
        token = correlation_id.set(environ.get("HTTP_X_CORRELATION_ID", "")[:64])
        try:
            with self._group():
                created = self._create(environ, body, length)
        except Decline:
            return self._inner(environ, start_response)
        finally:
            correlation_id.reset(token)
        self.taken += 1
        payload = f"{self._app.json.dumps(created)}\n".encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("Location", f"{PATH}/{created['id']}"),
            *SECURITY_HEADERS.items(),
        ]
        start_response("201 CREATED", headers)
        LATENCY.labels(SERVICE, "POST", ROUTE).observe(time.perf_counter() - started)
        REQUESTS.labels(SERVICE, "POST", ROUTE, "201").inc()
        return [payload]

    def _shape(self, environ: dict[str, Any]) -> bool:
        """A submission at once (no query), JSON with a length within the limit, a bearer
        credential, no ``Idempotency-Key``: the only shape the lane takes."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH:
            return False
        if environ.get("QUERY_STRING") or "HTTP_IDEMPOTENCY_KEY" in environ:
            return False
        if "HTTP_TRANSFER_ENCODING" in environ:
            return False
        mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        length = environ.get("CONTENT_LENGTH", "")
        limit = self._context.settings.max_body_bytes
        return (
            mimetype == "application/json"
            and length.isdigit()
            and 0 < int(length) <= limit
            and environ.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
        )

    def _group(self) -> AbstractContextManager[None]:
        """The grouped commit's wait for this request (``GroupCommit.expecting``)."""
        group = self._context.group
        return group.expecting() if group is not None else nullcontext()

    @property
    def _context(self) -> SubmissionContext:
        context: SubmissionContext = self._app.extensions["submission"]
        return context

    def _create(self, environ: dict[str, Any], body: bytes, length: int) -> dict[str, Any]:
        if len(body) != length:
            raise Decline  # the client sent less than it announced
        context = self._context
        caller = self._caller(context, environ["HTTP_AUTHORIZATION"][7:].strip())
        try:
            parsed = json.loads(body)
            if json_depth(parsed) > MAX_JSON_DEPTH or contains_nul(parsed):
                raise Decline
            loaded = self._schema.load(parsed)
        except (ValueError, RecursionError, ValidationError) as exc:  # not JSON, or invalid
            raise Decline from exc
        if not isinstance(loaded, dict):
            raise Decline
        profile, cycle_id = _PROFILE_JSON(loaded), loaded.get("cycle_id")
        if context.settings.proposal_event_version >= 2 or self._agency_maximum(context):
            raise Decline  # these take a transaction of their own (see create_proposal)
        command = usecases.CreateProposal(
            caller, profile, cycle_id, False, context.configured_cycle
        )
        try:
            return usecases.create_proposal(command, context.grouped_work())
        except Exception as exc:  # refused before anything was committed: the app says why
            raise Decline from exc

    def _caller(self, context: SubmissionContext, secret: str) -> Caller:
        settings = context.settings
        reader = settings.subject_keys_token
        if (
            not secret
            or is_admin(settings, secret)
            or (reader and hmac.compare_digest(reader.encode(), secret.encode()))
        ):
            raise Decline  # the secretariat's or a key reader's: not an agency's
        found = context.keys.authenticate(
            lambda presented: authenticate_key(presented, context.work()), secret
        )
        if not isinstance(found, Caller):
            raise Decline
        return found

    def _agency_maximum(self, context: SubmissionContext) -> bool:
        def read() -> list[Any]:
            with context.engine.connect() as conn:
                return known_cycles(conn)

        return any(c.max_per_agency is not None for c in context.cycles.known(read))


def install(app: Flask) -> CreateLane:
    """Put the lane in front of ``app`` (outside its other WSGI middleware: a body the
    lane takes has a length, so the chunked-body limit has nothing to do for it)."""
    lane = CreateLane(app, app.wsgi_app)
    app.wsgi_app = lane  # type: ignore[method-assign]
    return lane
