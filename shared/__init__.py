"""What every Inagara service runs on, knowing none of them: the event backbone
(``shared.events``), the platform helpers (``shared.platform``) and the web helpers
(``shared.web``)."""
