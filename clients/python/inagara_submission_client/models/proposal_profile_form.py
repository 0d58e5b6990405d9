from enum import StrEnum


class ProposalProfileForm(StrEnum):
    GOVERNANCE = "governance"
    OTHER = "other"
    PUBLIC_SERVICE = "public_service"

    def __str__(self) -> str:
        return str(self.value)
