"""What text from outside may hold, and how it is shown to people.

Two rules for every service:

- A name or title is one line. It ends up in an email header (``To: Siti
  <siti@…>``, ``Subject:``), where a line break starts a header of the
  sender's choosing (``Bcc: evil@…``): the API refuses it (422 naming the field).
- Bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE and its kin)
  are dropped from what the web UI and the emails show: ``…‮gnp.exe`` would
  otherwise read as ``…exe.png``. Stored text keeps them (it is stored as given).
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, validate

# Line and paragraph breaks in every form a mail header or a browser honours, and the
# other C0/C1 control characters (tab excepted), which have no place in a name.
_NOT_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# Embeddings, overrides, isolates and marks (Unicode's Bidi_Control property).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class SingleLine(validate.Validator):
    """A marshmallow validator: no line break or other control character."""

    error = "Must be one line: no line breaks or control characters."

    def __call__(self, value: str) -> str:
        if _NOT_ONE_LINE.search(value):
            raise ValidationError(self.error)
        return value


def without_bidi_controls(value: Any) -> Any:
    """``value`` with bidi controls removed when it is text (a Jinja ``finalize``); markup
    stays markup (``type(value)``), so that it is not escaped a second time."""
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        return type(value)(BIDI_CONTROLS.sub("", value))
    return value
