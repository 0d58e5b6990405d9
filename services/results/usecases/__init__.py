"""One function per thing an event or a reader asks for (``projection``, ``queries``)."""
