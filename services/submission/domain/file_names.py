"""Does an evidence file's name name a person? (docs/PRIVACY.md: "Erasure and the
evidence files"). An erasure keeps the files' contents (the agency's documents about its
innovation) but renames a file whose name names the erased person ("KTP Ayu Lestari.pdf",
"cv_ayu.lestari@dinkes.go.id.pdf", "surat-081298765432.pdf")."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_NOT_DIGIT = re.compile(r"[^0-9]+")
_EXTENSION = re.compile(r"\.[0-9a-z]{1,5}")
SHORTEST = 4  # a shorter name part or local part would match too many file names


def _words(text: str) -> str:
    return " " + _NOT_ALNUM.sub(" ", text.lower()).strip() + " "


def traces_of(name: str | None, email: str | None, phone: str | None) -> list[str]:
    """The forms in which a file name could name the person: their full name (words in
    any separator, or run together), the email and its local part, the phone's national
    digits (``+62812…`` -> ``812…``, found inside ``0812…`` and ``62812…``)."""
    found: list[str] = []
    if name and len(name.strip()) >= SHORTEST:
        found.append(_words(name))
        if len(_words(name).split()) > 1:  # "AyuLestari"; one word run into others is too loose
            found.append(_NOT_ALNUM.sub("", name.lower()))
    if email:
        found.append(email.strip().lower())
        local = email.strip().lower().split("@", 1)[0]
        if len(_NOT_ALNUM.sub("", local)) >= SHORTEST:
            found.append(_words(local))
    if phone:
        digits = _NOT_DIGIT.sub("", phone)
        national = digits[2:] if phone.startswith("+62") else digits.lstrip("0")
        if len(national) >= 8:
            found.append(national)
    return [t for t in found if t.strip()]


def names_person(filename: str, traces: list[str]) -> bool:
    """Whether ``filename`` holds one of the ``traces`` (``traces_of``)."""
    lowered = filename.lower()
    words = _words(filename)
    run_together = _NOT_ALNUM.sub("", lowered)
    digits = _NOT_DIGIT.sub("", filename)
    for trace in traces:
        if trace.startswith(" "):
            if trace in words:
                return True
        elif trace.isdigit():
            if trace in digits:
                return True
        elif "@" in trace:
            if trace in lowered:
                return True
        elif trace in run_together:
            return True
    return False


def neutral_name(filename: str, n: int | None = None) -> str:
    """What a renamed file is called: ``berkas-<n>`` (``berkas`` without a place) with its
    extension."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not _EXTENSION.fullmatch(suffix):
        suffix = ""
    return f"berkas-{n}{suffix}" if n is not None else f"berkas{suffix}"
