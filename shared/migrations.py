"""Transitional alias of ``shared.platform.migrations``, until services/ imports it from there."""

import sys

from shared.platform import migrations

sys.modules[__name__] = migrations
