"""PyPI's JSON API as the audit's Fetch: a timeout on every request, a retry on transient failures."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from deploy.audit.policy import Document, NotAnswered

PYPI_JSON = "https://pypi.org/pypi/"


@dataclass(frozen=True)
class PyPIJson:
    timeout: float = 10.0
    attempts: int = 3
    pause: float = 1.0  # before the second attempt; doubled before each next one

    def __call__(self, path: str) -> Document:
        """Blocks up to ``attempts`` times ``timeout`` plus the pauses.

        Raises NotAnswered at once on 404 (PyPI has no such entry, or a proxy hides
        it), and on any other failure once the attempts are spent.
        """
        request = urllib.request.Request(
            PYPI_JSON + path, headers={"Accept": "application/json", "User-Agent": "inagara-audit"}
        )
        problem = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.pause * 2 ** (attempt - 1))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    document = json.load(response)
                if isinstance(document, dict):
                    return document
                problem = "the answer is not a JSON object"
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    raise NotAnswered("404") from None
                problem = f"HTTP {error.code}"
            except (OSError, ValueError) as error:  # URLError, timeouts, resets, not JSON
                problem = f"{type(error).__name__}: {error}"
        raise NotAnswered(f"{problem} after {self.attempts} attempts")
