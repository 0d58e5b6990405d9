from enum import StrEnum


class GetV1ProposalsStatus(StrEnum):
    AWARDED = "awarded"
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    NOT_AWARDED = "not_awarded"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"
    SCORED = "scored"
    SHORTLISTED = "shortlisted"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    def __str__(self) -> str:
        return str(self.value)
