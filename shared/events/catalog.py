"""One registry of topics and event types (DESIGN: Events).

Every service publishes on its own topic; each topic has a dead-letter topic.
An event type names a fact in the past tense; its payload schema and version
travel in ``dataschema`` so that a breaking change can be a new version.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from marshmallow import Schema

from shared.events.proposal import ProposalSubmittedV1

PROPOSALS = "inagara.proposals"
REVIEWS = "inagara.reviews"
NOTIFICATIONS = "inagara.notifications"
TOPICS = (PROPOSALS, REVIEWS, NOTIFICATIONS)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


ALL_TOPICS = TOPICS + tuple(dead_letter_topic(t) for t in TOPICS)

PROPOSAL_SUBMITTED = "proposal.submitted"


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    topic: str
    schema: builtins.type[Schema]
    summary: str

    @property
    def dataschema(self) -> str:
        return f"urn:inagara:event:{self.type}:v{self.version}"


CATALOG: dict[str, EventSpec] = {
    spec.dataschema: spec
    for spec in (
        EventSpec(
            type=PROPOSAL_SUBMITTED,
            version=1,
            topic=PROPOSALS,
            schema=ProposalSubmittedV1,
            summary="An agency submitted a proposal for review.",
        ),
    )
}


def spec_for(type: str, version: int = 1) -> EventSpec:
    return CATALOG[f"urn:inagara:event:{type}:v{version}"]
