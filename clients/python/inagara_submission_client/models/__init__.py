"""Contains all the data models used in inputs/outputs"""

from .addendum import Addendum
from .addendum_list import AddendumList
from .addendum_upload import AddendumUpload
from .agency import Agency
from .agency_create import AgencyCreate
from .agency_create_type import AgencyCreateType
from .agency_list import AgencyList
from .agency_participation import AgencyParticipation
from .agency_update import AgencyUpdate
from .agency_update_type import AgencyUpdateType
from .award_category_choice import AwardCategoryChoice
from .cycle import Cycle
from .cycle_list import CycleList
from .erased import Erased
from .erasure import Erasure
from .evidence import Evidence
from .evidence_file import EvidenceFile
from .evidence_list import EvidenceList
from .evidence_upload import EvidenceUpload
from .get_v1_cycles_cycle_id_participation_format import (
    GetV1CyclesCycleIdParticipationFormat,
)
from .get_v1_proposals_category import GetV1ProposalsCategory
from .get_v1_proposals_maturity import GetV1ProposalsMaturity
from .get_v1_proposals_status import GetV1ProposalsStatus
from .innovator import Innovator
from .innovator_instant_channel import InnovatorInstantChannel
from .innovator_write import InnovatorWrite
from .innovator_write_instant_channel import InnovatorWriteInstantChannel
from .key import Key
from .key_create import KeyCreate
from .key_create_role import KeyCreateRole
from .key_created import KeyCreated
from .key_list import KeyList
from .pagination_metadata import PaginationMetadata
from .participation import Participation
from .problem import Problem
from .problem_code import ProblemCode
from .problem_errors import ProblemErrors
from .proposal import Proposal
from .proposal_page import ProposalPage
from .proposal_profile import ProposalProfile
from .proposal_profile_category import ProposalProfileCategory
from .proposal_profile_form import ProposalProfileForm
from .proposal_profile_kind import ProposalProfileKind
from .proposal_profile_lab_stage import ProposalProfileLabStage
from .proposal_profile_maturity import ProposalProfileMaturity
from .proposal_revision_request_type_1_type_0 import ProposalRevisionRequestType1Type0
from .proposal_write import ProposalWrite
from .proposal_write_category import ProposalWriteCategory
from .proposal_write_form import ProposalWriteForm
from .proposal_write_kind import ProposalWriteKind
from .proposal_write_lab_stage import ProposalWriteLabStage
from .proposal_write_maturity import ProposalWriteMaturity
from .revision_request import RevisionRequest
from .subject_key import SubjectKey
from .submit import Submit
from .timeline import Timeline
from .timeline_entry import TimelineEntry
from .timeline_entry_facts import TimelineEntryFacts
from .transition_problem import TransitionProblem
from .transition_problem_code import TransitionProblemCode
from .transition_problem_errors import TransitionProblemErrors
from .version import Version
from .version_list import VersionList
from .webhook import Webhook
from .webhook_create import WebhookCreate
from .webhook_create_event_types_item import WebhookCreateEventTypesItem
from .webhook_created import WebhookCreated
from .webhook_list import WebhookList
from .webhook_update import WebhookUpdate
from .webhook_update_event_types_item import WebhookUpdateEventTypesItem
from .webhook_update_state import WebhookUpdateState
from .who_am_i import WhoAmI
from .withdraw import Withdraw

__all__ = (
    "Addendum",
    "AddendumList",
    "AddendumUpload",
    "Agency",
    "AgencyCreate",
    "AgencyCreateType",
    "AgencyList",
    "AgencyParticipation",
    "AgencyUpdate",
    "AgencyUpdateType",
    "AwardCategoryChoice",
    "Cycle",
    "CycleList",
    "Erased",
    "Erasure",
    "Evidence",
    "EvidenceFile",
    "EvidenceList",
    "EvidenceUpload",
    "GetV1CyclesCycleIdParticipationFormat",
    "GetV1ProposalsCategory",
    "GetV1ProposalsMaturity",
    "GetV1ProposalsStatus",
    "Innovator",
    "InnovatorInstantChannel",
    "InnovatorWrite",
    "InnovatorWriteInstantChannel",
    "Key",
    "KeyCreate",
    "KeyCreateRole",
    "KeyCreated",
    "KeyList",
    "PaginationMetadata",
    "Participation",
    "Problem",
    "ProblemCode",
    "ProblemErrors",
    "Proposal",
    "ProposalPage",
    "ProposalProfile",
    "ProposalProfileCategory",
    "ProposalProfileForm",
    "ProposalProfileKind",
    "ProposalProfileLabStage",
    "ProposalProfileMaturity",
    "ProposalRevisionRequestType1Type0",
    "ProposalWrite",
    "ProposalWriteCategory",
    "ProposalWriteForm",
    "ProposalWriteKind",
    "ProposalWriteLabStage",
    "ProposalWriteMaturity",
    "RevisionRequest",
    "SubjectKey",
    "Submit",
    "Timeline",
    "TimelineEntry",
    "TimelineEntryFacts",
    "TransitionProblem",
    "TransitionProblemCode",
    "TransitionProblemErrors",
    "Version",
    "VersionList",
    "Webhook",
    "WebhookCreate",
    "WebhookCreateEventTypesItem",
    "WebhookCreated",
    "WebhookList",
    "WebhookUpdate",
    "WebhookUpdateEventTypesItem",
    "WebhookUpdateState",
    "WhoAmI",
    "Withdraw",
)
