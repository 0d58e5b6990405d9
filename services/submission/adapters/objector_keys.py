"""Where the submission service gets an objector's key to open the review service's part
of a person-wide export (``review.objectors_exported``): the review service, which owns
the objectors and their keys (docs/PRIVACY.md: A person-wide request reaches objectors).
A real one over HTTP and an in-memory fake."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from typing import Protocol

from shared.events import sealing


class KeysUnavailable(Exception):
    """The review service did not answer: the part is shown as unavailable, read it later."""


class ObjectorKeys(Protocol):
    def key(self, subject_id: str) -> bytes | None:
        """The objector's key; ``None`` once erased (or unknown): their part is unreadable."""


class HttpObjectorKeys:
    """``GET {OBJECTOR_KEYS_URL}/v1/subjects/<id>/key`` with ``SUBJECT_KEYS_TOKEN``."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self._base, self._token, self._timeout_s = base_url.rstrip("/"), token, timeout_s

    def key(self, subject_id: str) -> bytes | None:
        parts = urllib.parse.urlsplit(self._base)
        path = f"{parts.path}/v1/subjects/{urllib.parse.quote(subject_id, safe='')}/key"
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.netloc, timeout=self._timeout_s)
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {self._token}"})
            response = connection.getresponse()
            status, body = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise KeysUnavailable(f"review service unreachable: {exc!r}") from exc
        finally:
            connection.close()
        if status in (404, 410):
            return None
        if status != 200:
            raise KeysUnavailable(f"review service answered {status} for an objector key")
        return sealing.decode_key(json.loads(body)["key"])


class NoObjectorKeys:
    """Without OBJECTOR_KEYS_URL: nothing to open the objectors' parts with."""

    def key(self, subject_id: str) -> bytes | None:
        raise KeysUnavailable("OBJECTOR_KEYS_URL is not set")


class MemoryObjectorKeys:
    """Keys in a dict (tests)."""

    def __init__(self, keys: dict[str, bytes] | None = None) -> None:
        self.keys = dict(keys or {})

    def key(self, subject_id: str) -> bytes | None:
        return self.keys.get(subject_id)
