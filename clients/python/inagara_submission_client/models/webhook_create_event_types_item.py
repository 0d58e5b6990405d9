from enum import StrEnum


class WebhookCreateEventTypesItem(StrEnum):
    PROPOSAL_AWARDED = "proposal.awarded"
    PROPOSAL_NOT_AWARDED = "proposal.not_awarded"
    PROPOSAL_REJECTED = "proposal.rejected"
    PROPOSAL_RESUBMITTED = "proposal.resubmitted"
    PROPOSAL_REVISION_REQUESTED = "proposal.revision_requested"
    PROPOSAL_SCORED = "proposal.scored"
    PROPOSAL_SHORTLISTED = "proposal.shortlisted"
    PROPOSAL_SUBMITTED = "proposal.submitted"
    PROPOSAL_WITHDRAWN = "proposal.withdrawn"

    def __str__(self) -> str:
        return str(self.value)
