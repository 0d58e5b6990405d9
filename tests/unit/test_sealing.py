"""Sealing personal fields per data subject (shared/events/sealing.py), and the
notification service meeting a sealed v2 event whose subject is erased."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from services.notification import store
from services.notification.adapters.subject_keys import MemorySubjectKeys
from services.notification.consumers import handlers_for
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from shared.events import sealing
from shared.events.catalog import PROPOSAL_SUBMITTED, spec_for
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories

SITI = {"name": "Siti", "email": "siti@example.go.id", "phone": "+6281234567890"}


def test_what_is_sealed_opens_with_its_key_and_subject_only() -> None:
    key = sealing.new_key()
    sealed = sealing.seal(key, "subject-1", SITI)
    assert "siti" not in sealed.lower()
    assert sealing.unseal(key, "subject-1", sealed) == SITI
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(sealing.new_key(), "subject-1", sealed)
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(key, "subject-2", sealed)  # moved to another subject
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(key, "subject-1", sealed[:-4] + "AAAA")


def test_keys_travel_as_text_of_32_bytes() -> None:
    key = sealing.new_key()
    assert sealing.decode_key(sealing.encode_key(key)) == key
    with pytest.raises(sealing.Unreadable):
        sealing.decode_key(sealing.encode_key(b"short"))


def _v2(keys: MemorySubjectKeys, *people: tuple[str, dict[str, str]]) -> Event:
    payload = factories.submitted()
    innovators = []
    for subject, person in people:
        keys.keys.setdefault(subject, sealing.new_key())
        innovators.append(
            {"subject": subject, "sealed": sealing.seal(keys.keys[subject], subject, person)}
        )
    payload["profile"]["innovators"] = innovators
    spec = spec_for(PROPOSAL_SUBMITTED, 2)
    return Event.first(
        type=spec.type,
        source="/test",
        subject=payload["proposal_id"],
        data=payload,
        dataschema=spec.dataschema,
    )


def test_an_erased_innovator_is_left_out_and_the_event_is_handled(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    create_schema(engine, store.metadata)
    keys = MemorySubjectKeys()
    budi = {"name": "Budi", "email": "budi@example.go.id", "phone": "+6281355512345"}
    event = _v2(keys, ("s-siti", SITI), ("s-budi", budi))
    keys.erase("s-siti")

    inbox_dispatcher(engine, store.inbox, handlers_for(Recorder(sms=True, keys=keys)))(event)

    with engine.connect() as conn:
        sent = {(r.channel, r.recipient) for r in conn.execute(select(deliveries))}
        handled = conn.execute(select(store.inbox)).all()
    assert sent == {("email", "budi@example.go.id"), ("sms", "+6281355512345")}
    assert len(handled) == 1
