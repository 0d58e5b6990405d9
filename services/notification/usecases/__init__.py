"""What an event or a user asks of the notification service: record the deliveries an
event causes, send what is due, compose the daily digest, answer operators.

The only place a transaction opens: each use case opens its ``NotificationWork``
(``work.py``) once, and raises its events with ``uow.emit``."""
