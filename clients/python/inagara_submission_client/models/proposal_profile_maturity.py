from enum import StrEnum


class ProposalProfileMaturity(StrEnum):
    IMPLEMENTED = "implemented"
    INITIATIVE = "initiative"
    TRIAL = "trial"

    def __str__(self) -> str:
        return str(self.value)
