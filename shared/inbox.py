"""Transitional alias of ``shared.events.inbox``, until services/ imports it from there."""

import sys

from shared.events import inbox

sys.modules[__name__] = inbox
