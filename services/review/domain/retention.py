"""What the review service keeps of a retained proposal (docs/PRIVACY.md, "Retention"):
``proposal.retained`` says the owning service erased the proposal's innovators
(``erased``: not awarded) or kept only their names (``minimised``: awarded).

Innovators of v1 events are held here in plain text: an erased one becomes
"Inovator N", a minimised one keeps the name and loses the contacts. Sealed ones (v2)
stay as they are: their key is the submission service's to shred. An erased proposal's
evidence files lose their names (a file name may name a person); what was assessed
(size, type, checksum) stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ERASED, MINIMISED = "erased", "minimised"
CONTACTS = ("email", "phone", "instant_channel", "instant_consent_at")


def retained_innovator(innovator: Mapping[str, Any], n: int, outcome: str) -> dict[str, Any]:
    if "sealed" in innovator:
        return dict(innovator)
    if outcome == MINIMISED:
        kept = {k: v for k, v in innovator.items() if k not in CONTACTS}
        return {**kept, "minimised": True}
    return {"name": f"Inovator {n}", "erased": True}


def retained_profile(profile: Mapping[str, Any], outcome: str) -> dict[str, Any]:
    innovators = profile.get("innovators") or []
    return {
        **profile,
        "innovators": [
            retained_innovator(i, n, outcome) for n, i in enumerate(innovators, start=1)
        ],
    }


def retained_evidence(evidence: list[Mapping[str, Any]], outcome: str) -> list[dict[str, Any]]:
    if outcome != ERASED:
        return [dict(f) for f in evidence]
    return [
        {**f, "filename": f"berkas-{n}", "deleted": True} for n, f in enumerate(evidence, start=1)
    ]
