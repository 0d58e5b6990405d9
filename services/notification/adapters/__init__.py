"""The outside world behind small interfaces, each with a real and a fake: SMTP
(``mailer``), the SMS gateway (``sms``), the clock, and the message templates
(``rendering``)."""
