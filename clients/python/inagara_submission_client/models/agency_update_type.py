from enum import StrEnum


class AgencyUpdateType(StrEnum):
    BADAN = "badan"
    BUMD = "bumd"
    DINAS = "dinas"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    OTHER = "other"

    def __str__(self) -> str:
        return str(self.value)
