from enum import StrEnum


class KeyCreateRole(StrEnum):
    AGENCY_ADMIN = "agency_admin"
    DRAFTER = "drafter"

    def __str__(self) -> str:
        return str(self.value)
