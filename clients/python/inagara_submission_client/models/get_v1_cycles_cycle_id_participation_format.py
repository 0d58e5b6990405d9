from enum import StrEnum


class GetV1CyclesCycleIdParticipationFormat(StrEnum):
    CSV = "csv"
    JSON = "json"

    def __str__(self) -> str:
        return str(self.value)
