from enum import StrEnum


class ProposalProfileLabStage(StrEnum):
    DELIVER = "deliver"
    DESIGN = "design"
    DIAGNOSE = "diagnose"
    DISPLAY = "display"
    DRUM_UP = "drum_up"

    def __str__(self) -> str:
        return str(self.value)
