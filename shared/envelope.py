"""Transitional alias of ``shared.events.envelope``, until services/ imports it from there."""

import sys

from shared.events import envelope

sys.modules[__name__] = envelope
