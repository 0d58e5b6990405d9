"""Transitional alias of ``shared.events.consumer``, until services/ imports it from there."""

import sys

from shared.events import consumer

sys.modules[__name__] = consumer
