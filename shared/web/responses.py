"""What every answer carries, and how a download is named."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Every answer: never in a frame (clickjacking), no Referer to other sites, no sniffing.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` for a download named ``filename``, whatever its script:
    an ASCII ``filename`` for old clients and ``filename*=UTF-8''…`` (RFC 6266, RFC 8187)
    for the real name. HTTP headers are Latin-1 at most: ``報告.pdf`` put there as is
    cannot be sent at all (a 500)."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in folded)
    stem, dot, extension = fallback.strip().rpartition(".")
    if not (stem if dot else extension).strip(" ._"):
        fallback = f"download.{extension}" if dot and extension else "download"
    if fallback == filename:
        token = re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", filename)
        return f"attachment; filename={filename}" if token else f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
