"""Transitional alias of ``shared.events.outbox``, until services/ imports it from there."""

import sys

from shared.events import outbox

sys.modules[__name__] = outbox
