"""Transitional alias of ``shared.events.wakeup``, until services/ imports it from there."""

import sys

from shared.events import wakeup

sys.modules[__name__] = wakeup
