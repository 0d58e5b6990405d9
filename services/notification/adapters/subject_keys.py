"""Where the notification service gets a data subject's key: the submission service,
which owns the key (docs/PRIVACY.md: why not a Kafka topic). A real one over HTTP and
an in-memory fake."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from typing import Protocol

from shared.events import sealing
from shared.events.consumer import TransientError


class KeysUnavailable(TransientError):
    """The submission service did not answer: retry the event, never dead-letter it."""


class SubjectKeys(Protocol):
    def key(self, subject_id: str) -> bytes | None:
        """The subject's key; ``None`` once the subject is erased (their fields are gone)."""


def _get(url: str, headers: dict[str, str], timeout_s: float) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=timeout_s)
    try:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise KeysUnavailable(f"submission service unreachable: {exc!r}") from exc
    finally:
        connection.close()


class HttpSubjectKeys:
    """``GET {base}/v1/subjects/<id>/key`` with ``SUBJECT_KEYS_TOKEN``: 200 key, 410 erased."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0) -> None:
        self._base, self._token, self._timeout_s = base_url.rstrip("/"), token, timeout_s

    def key(self, subject_id: str) -> bytes | None:
        url = f"{self._base}/v1/subjects/{urllib.parse.quote(subject_id, safe='')}/key"
        headers = {"Authorization": f"Bearer {self._token}"}
        status, body = _get(url, headers, self._timeout_s)
        if status in (404, 410):
            # Erased, or never known here (a record of another installation): unreadable.
            return None
        if status != 200:
            raise KeysUnavailable(f"submission service answered {status} for a subject key")
        return sealing.decode_key(json.loads(body)["key"])


class MemorySubjectKeys:
    """Keys in a dict; ``erase`` forgets one."""

    def __init__(self, keys: dict[str, bytes] | None = None) -> None:
        self.keys = dict(keys or {})

    def key(self, subject_id: str) -> bytes | None:
        return self.keys.get(subject_id)

    def erase(self, subject_id: str) -> None:
        self.keys.pop(subject_id, None)
