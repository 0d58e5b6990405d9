"""``subject.export_requested``: the review service's part of an access request
(docs/PRIVACY.md: Export).

Review holds innovators of v2 events sealed: it cannot read who they are and needs no key
to say which proposals name a subject and what was decided about them. The part names
nobody (ids, titles, states, score summaries), so it travels in the clear.
"""

from __future__ import annotations

from services.review.usecases.events import SOURCE
from services.review.usecases.work import ReviewWork
from shared.events.catalog import (
    REVIEW_SUBJECT_EXPORTED,
    REVIEWS,
    SUBJECT_EXPORT_REQUESTED,
    spec_for,
)
from shared.events.envelope import Event


def export_subjects(event: Event, uow: ReviewWork) -> None:
    """Answer the export with one event per subject, in the consumed event's transaction."""
    request = spec_for(SUBJECT_EXPORT_REQUESTED).validator.load(event.data)
    spec = spec_for(REVIEW_SUBJECT_EXPORTED)
    with uow:
        for subject in request["subject_ids"]:
            part = {"proposals": uow.proposals.naming_subject(subject)}
            answer = {"export_id": request["export_id"], "subject_id": subject, "part": part}
            uow.emit(
                REVIEWS,
                event.caused(
                    spec.type,
                    SOURCE,
                    spec.validator.dump(spec.validator.load(answer)),
                    spec.dataschema,
                ),
            )
