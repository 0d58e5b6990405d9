from enum import StrEnum


class ProposalWriteForm(StrEnum):
    GOVERNANCE = "governance"
    OTHER = "other"
    PUBLIC_SERVICE = "public_service"

    def __str__(self) -> str:
        return str(self.value)
