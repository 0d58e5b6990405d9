"""Credentials: every one travels as ``Authorization: Bearer <secret>`` (DESIGN: HTTP)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable

from flask import Flask, request
from werkzeug.exceptions import Unauthorized

from shared.platform.settings import Settings
from shared.web.problems import ProblemApi


def bearer_token() -> str | None:
    """The secret in ``Authorization: Bearer <secret>``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def is_admin(settings: Settings, token: str | None) -> bool:
    return bool(settings.admin_token and token) and hmac.compare_digest(
        settings.admin_token.encode(), (token or "").encode()
    )


_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class CredentialsFirst:
    """Checks the bearer credential of every operation the OpenAPI document secures
    before anything else of the request is looked at: a caller without a valid credential
    gets a 401, never a 422 that tells them what a valid body looks like.

    ``authenticate(secret)`` is the service's own check (an API key, an account's token,
    the admin token); the view still decides what the credential may do (403, 404).
    """

    def __init__(self, api: ProblemApi, authenticate: Callable[[str | None], bool]) -> None:
        self._api = api
        self._authenticate = authenticate
        self._secured: set[tuple[str, str]] | None = None

    def _secured_operations(self) -> set[tuple[str, str]]:
        if self._secured is None:
            secured = set()
            for path, operations in self._api.spec.to_dict().get("paths", {}).items():
                for method, operation in operations.items():
                    if isinstance(operation, dict) and operation.get("security"):
                        secured.add((path, method.upper()))
            self._secured = secured
        return self._secured

    def __call__(self) -> None:
        if request.url_rule is None:
            return
        path = _RULE_VARIABLE.sub(r"{\1}", request.url_rule.rule)
        method = "GET" if request.method == "HEAD" else request.method
        if (path, method) in self._secured_operations() and not self._authenticate(bearer_token()):
            raise Unauthorized("Send a valid credential as `Authorization: Bearer <secret>`.")


def require_credentials_first(app: Flask, authenticate: Callable[[str | None], bool]) -> None:
    """Install ``CredentialsFirst`` as the app's first before-request function."""
    check = CredentialsFirst(app.extensions["inagara_api"], authenticate)
    app.before_request_funcs.setdefault(None, []).insert(0, check)
