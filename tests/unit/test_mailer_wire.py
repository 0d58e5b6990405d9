"""The email as written on the wire: the mailer's shortcuts write what compat32 would."""

from __future__ import annotations

import email
import email.policy
from email.message import Message
from email.policy import compat32

import pytest

from services.notification.adapters.mailer import _WIRE, compose
from services.notification.adapters.rendering import RenderedEmail

SENDER = "Inagara <noreply@inagara.example.go.id>"
STOCK = compat32.clone(linesep="\r\n", max_line_length=998)

CASES = [
    ("Usulan diterima", "Siti Rahma", "siti@dinkes.example.go.id", None),
    (
        "Usulan “Posyandu” diterima — ✓",
        "Nyoman Ayu Sekar",
        "n@x.go.id",
        "https://n.example/u?t=a.b",
    ),
    ("a " * 300, "Ñandú  O'Brien, Jr.", "o@x.go.id", "https://n.example/u?token=" + "x" * 600),
    ("Tabs\tand  double  spaces", '"Quoted" Name', "q@x.go.id", None),
]


def message(subject: str, name: str, address: str, unsubscribe: str | None) -> Message:
    text = "Teks =_ biasa\n.\n..\nbaris " + "panjang " * 40 + "\nÜmlaut 🙂\n"
    rendered = RenderedEmail(subject, text, f"<p>{text}</p>")
    return compose(rendered, SENDER, address, name, "<m-1@inagara.local>", unsubscribe)


@pytest.mark.parametrize("case", CASES)
def test_the_fast_header_path_writes_what_compat32_writes(
    case: tuple[str, str, str, str | None],
) -> None:
    built = message(*case)

    assert built.as_bytes(policy=_WIRE) == built.as_bytes(policy=STOCK)


@pytest.mark.parametrize("case", CASES)
def test_the_boundary_set_ahead_is_nowhere_in_the_parts(
    case: tuple[str, str, str, str | None],
) -> None:
    built = message(*case)
    boundary = built.get_boundary()
    assert boundary is not None and boundary.startswith("=_")
    wire = built.as_bytes(policy=_WIRE)

    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    # Its parameter, two delimiters and the close: nowhere in the text.
    assert wire.count(boundary.encode()) == 4
    plain = parsed.get_body(("plain",))
    assert plain is not None and "Teks =_ biasa" in plain.get_content()
