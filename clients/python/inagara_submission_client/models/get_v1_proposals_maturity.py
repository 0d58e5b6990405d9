from enum import StrEnum


class GetV1ProposalsMaturity(StrEnum):
    IMPLEMENTED = "implemented"
    INITIATIVE = "initiative"
    TRIAL = "trial"

    def __str__(self) -> str:
        return str(self.value)
