"""Review events, raised on the unit of work: into the outbox when it commits (topic inagara.reviews)."""

from __future__ import annotations

from typing import Any, Protocol

from shared.events.catalog import REVIEWS, spec_for
from shared.events.envelope import Event

SOURCE = "/inagara/review"


class Emits(Protocol):
    """A unit of work, real or fake: what ``emit`` needs of it."""

    def emit(self, topic: str, event: Event) -> None: ...


def emit(
    uow: Emits,
    type: str,
    subject: str,
    payload: dict[str, Any],
    *,
    correlation_id: str | None = None,
    causation_id: str = "",
    cause: Event | None = None,
) -> Event:
    """Validate ``payload`` against the catalog's schema and raise the event on ``uow``.

    The key is ``subject``: the proposal id (the cycle id for ``cycle.scheduled``).
    ``correlation_id`` is the path the proposal arrived on (kept with it); without one
    the path is named by the subject, as ``Event.correlation`` does. An event that
    another event caused is built by ``cause.caused``: its path and causation from it.
    """
    spec = spec_for(type)
    schema = spec.validator
    data = schema.dump(payload)
    loaded = schema.load(data)  # the validation: what is emitted must load
    if not _same_keys(loaded, data):
        data = schema.dump(loaded)  # the payload left out fields that have defaults
    if cause is not None:
        event = cause.caused(spec.type, SOURCE, data, spec.dataschema, subject=subject)
    else:
        event = Event(
            type=spec.type,
            source=SOURCE,
            subject=subject,
            data=data,
            dataschema=spec.dataschema,
            correlation_id=correlation_id or subject,
            causation_id=causation_id,
        )
    uow.emit(REVIEWS, event)
    return event


def _same_keys(loaded: Any, dumped: Any) -> bool:
    """Whether ``loaded`` has the keys of ``dumped`` at every level: then dumping it again
    gives ``dumped`` (these schemas' fields load what they dump unchanged), and a second
    dump can be spared."""
    if isinstance(loaded, dict):
        return (
            isinstance(dumped, dict)
            and loaded.keys() == dumped.keys()
            and all(_same_keys(value, dumped[key]) for key, value in loaded.items())
        )
    if isinstance(loaded, list):
        return (
            isinstance(dumped, list)
            and len(loaded) == len(dumped)
            and all(map(_same_keys, loaded, dumped))
        )
    return True


def person(user: dict[str, Any]) -> dict[str, Any]:
    """A reviewer as the notification service needs to reach them (no database lookup there)."""
    return {
        "id": user["id"],
        "name": user["name"],
        "email": user["email"],
        "phone": user.get("phone"),
        "language": user.get("language") or "id",
    }
