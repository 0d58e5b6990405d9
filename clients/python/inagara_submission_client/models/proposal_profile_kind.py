from enum import StrEnum


class ProposalProfileKind(StrEnum):
    DIGITAL = "digital"
    NON_DIGITAL = "non_digital"

    def __str__(self) -> str:
        return str(self.value)
