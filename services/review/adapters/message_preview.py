"""The notification service's message preview (``POST /v1/previews``), for the review UI.

The texts are the notification service's own: its templates, its channel policy,
its recipients' preferences. A service that does not answer is an error to show,
never a reason to refuse the step itself.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 2_000_000


class PreviewUnavailable(Exception):
    """The notification service did not answer with a preview."""


@dataclass(frozen=True)
class NotificationPreviews:
    base_url: str
    token: str
    timeout_s: float = 5.0

    def preview(
        self, event_type: str, proposal_id: str, data: dict[str, Any]
    ) -> list[dict[str, Any]] | None:
        """The messages (one per recipient and channel) the event would cause; None when
        the notification service does not know the proposal (yet)."""
        body = json.dumps({"type": event_type, "proposal_id": proposal_id, "data": data}).encode()
        request = urllib.request.Request(
            self.base_url.rstrip("/") + "/v1/previews",
            data=body,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        if not request.full_url.startswith(("http://", "https://")):
            raise PreviewUnavailable(f"not an HTTP address: {self.base_url}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # nosec B310
                answer = json.loads(response.read(MAX_BYTES))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise PreviewUnavailable(f"HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise PreviewUnavailable(str(exc)) from exc
        items: list[dict[str, Any]] = answer["items"]
        return items
