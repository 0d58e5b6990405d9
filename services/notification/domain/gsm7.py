"""SMS encoding (GSM 03.38 7-bit or UCS-2) and splitting into segments.

One SMS holds 160 GSM-7 septets or 70 UCS-2 code units. A longer text goes
as a concatenated SMS whose header takes room in every part: 153 septets or
67 code units each. A GSM-7 extension character (``€``, ``[``...) takes two
septets and is never split from its escape; a UCS-2 surrogate pair (emoji)
is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7, UCS2 = "GSM-7", "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}

# Typography that would force UCS-2 (and cut the room per SMS by more than half)
# for no reason a reader would notice.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\t": " ",
    }
)


@dataclass(frozen=True)
class Segments:
    encoding: str
    parts: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.parts)


def plain(text: str) -> str:
    """``text`` with curly quotes, dashes and ellipses made GSM-7."""
    return text.translate(_PLAIN)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def encoding(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def _width(char: str, enc: str) -> int:
    if enc == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def length(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    enc = encoding(text)
    return sum(_width(c, enc) for c in text)


def split(text: str) -> Segments:
    """The segments ``text`` is sent as; one segment when it fits in a single SMS."""
    enc = encoding(text)
    if sum(_width(c, enc) for c in text) <= SINGLE[enc]:
        return Segments(enc, (text,) if text else ())
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        width = _width(char, enc)
        if used + width > PART[enc]:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += width
    if current:
        parts.append("".join(current))
    return Segments(enc, tuple(parts))
