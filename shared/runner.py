"""Transitional alias of ``shared.events.runner``, until services/ imports it from there."""

import sys

from shared.events import runner

sys.modules[__name__] = runner
