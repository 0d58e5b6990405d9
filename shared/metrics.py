"""Transitional alias of ``shared.platform.metrics``, until services/ imports it from there."""

import sys

from shared.platform import metrics

sys.modules[__name__] = metrics
