"""Pure rules of the submission service: agencies and keys, a proposal's life,
the status projection, submission windows, evidence files and the timeline.

Imports only the standard library. A change records the events it causes;
publishing them is someone else's job.
"""

from services.submission.domain.keys import (
    AGENCY_ADMIN,
    AGENCY_TYPES,
    DRAFTER,
    KEY_PREFIX,
    ROLES,
    Agency,
    NewApiKey,
    NotPermitted,
    hash_secret,
    key_prefix,
    may_manage_agency,
    may_send_to_review,
    mint_api_key,
)
from services.submission.domain.lifecycle import (
    DRAFT,
    STATUSES,
    SUBMITTED,
    WITHDRAWN,
    IllegalTransition,
    Proposal,
    ProposalDrafted,
    ProposalEdited,
    ProposalSubmitted,
    ProposalWithdrawn,
    allowed_actions,
    draft_proposal,
    new_proposal_id,
    submit_proposal,
)

__all__ = [
    "AGENCY_ADMIN",
    "AGENCY_TYPES",
    "DRAFT",
    "DRAFTER",
    "KEY_PREFIX",
    "ROLES",
    "STATUSES",
    "SUBMITTED",
    "WITHDRAWN",
    "Agency",
    "IllegalTransition",
    "NewApiKey",
    "NotPermitted",
    "Proposal",
    "ProposalDrafted",
    "ProposalEdited",
    "ProposalSubmitted",
    "ProposalWithdrawn",
    "allowed_actions",
    "draft_proposal",
    "hash_secret",
    "key_prefix",
    "may_manage_agency",
    "may_send_to_review",
    "mint_api_key",
    "new_proposal_id",
    "submit_proposal",
]
