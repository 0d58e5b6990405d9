"""HTTP edge of the notification service: deliveries (admin), preferences, unsubscribe,
the privacy notice."""

from services.notification.api.deliveries import blp, preferences_blp, unsubscribe_blp
from services.notification.api.previews import previews_blp
from services.notification.api.privacy import privacy_blp
from services.notification.api.webhooks import webhooks_blp

__all__ = [
    "blp",
    "preferences_blp",
    "previews_blp",
    "privacy_blp",
    "unsubscribe_blp",
    "webhooks_blp",
]
