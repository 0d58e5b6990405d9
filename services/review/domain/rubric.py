"""Rubrics: what reviewers score, how much each criterion weighs, what evidence earns a level.

A weighted total is on a 0-100 scale whatever the criteria's own scales are:
each score is taken as a fraction of its scale and weighted. Two defaults ship:
the desk rubric follows the per-innovation indicators of the regional
innovation index (Indeks Inovasi Daerah: levels backed by documents), the
panel rubric the Innovative Government Award's presentation weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DESK = "desk"
PANEL = "panel"
ROUNDS = (DESK, PANEL)


class RubricError(ValueError):
    """A rubric or a set of scores that does not fit together; ``errors`` per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Level:
    score: int
    description: str
    evidence: str = ""


@dataclass(frozen=True)
class Criterion:
    key: str
    name: str
    description: str
    weight: float
    scale_min: int = 0
    scale_max: int = 10
    levels: tuple[Level, ...] = ()


@dataclass(frozen=True)
class Rubric:
    round: str
    version: int
    criteria: tuple[Criterion, ...]
    name: str = ""

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)

    def criterion(self, key: str) -> Criterion | None:
        return next((c for c in self.criteria if c.key == key), None)


def validate(rubric: Rubric) -> Rubric:
    """The rubric itself, or ``RubricError`` when it could not score anything sensibly."""
    errors: dict[str, list[str]] = {}
    if rubric.round not in ROUNDS:
        errors["round"] = [f"Must be one of {', '.join(ROUNDS)}."]
    if not rubric.criteria:
        errors["criteria"] = ["At least one criterion."]
    keys = [c.key for c in rubric.criteria]
    if len(set(keys)) != len(keys):
        errors["criteria"] = ["Criterion keys must be unique."]
    for i, c in enumerate(rubric.criteria):
        if c.weight <= 0:
            errors[f"criteria.{i}.weight"] = ["Must be more than 0."]
        if c.scale_max <= c.scale_min or c.scale_min < 0:
            errors[f"criteria.{i}.scale_max"] = ["Must be more than scale_min (0 or more)."]
        for level in c.levels:
            if not c.scale_min <= level.score <= c.scale_max:
                errors[f"criteria.{i}.levels"] = ["Every level's score must be on the scale."]
    if errors:
        raise RubricError(errors)
    return rubric


def check_scores(rubric: Rubric, scores: Mapping[str, Any]) -> dict[str, int]:
    """Scores for every criterion, each a whole number on its scale; else ``RubricError``."""
    errors: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    for c in rubric.criteria:
        value = scores.get(c.key)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[f"scores.{c.key}"] = ["A whole number is required."]
        elif not c.scale_min <= value <= c.scale_max:
            errors[f"scores.{c.key}"] = [f"Must be between {c.scale_min} and {c.scale_max}."]
        else:
            checked[c.key] = value
    for key in scores:
        if rubric.criterion(key) is None:
            errors[f"scores.{key}"] = ["Not a criterion of this rubric."]
    if errors:
        raise RubricError(errors)
    return checked


def weighted_total(rubric: Rubric, scores: Mapping[str, int]) -> float:
    """0-100: each score as a share of its scale, weighted. A missing criterion counts 0."""
    total = 0.0
    for c in rubric.criteria:
        value = scores.get(c.key, c.scale_min)
        total += c.weight * (value - c.scale_min) / (c.scale_max - c.scale_min)
    return round(100 * total / rubric.total_weight, 2)


def to_dict(rubric: Rubric) -> dict[str, Any]:
    return {
        "round": rubric.round,
        "version": rubric.version,
        "name": rubric.name,
        "criteria": [
            {
                "key": c.key,
                "name": c.name,
                "description": c.description,
                "weight": c.weight,
                "scale_min": c.scale_min,
                "scale_max": c.scale_max,
                "levels": [
                    {"score": lv.score, "description": lv.description, "evidence": lv.evidence}
                    for lv in c.levels
                ],
            }
            for c in rubric.criteria
        ],
    }


def from_dict(data: Mapping[str, Any]) -> Rubric:
    return Rubric(
        round=data["round"],
        version=int(data.get("version", 1)),
        name=data.get("name", ""),
        criteria=tuple(
            Criterion(
                key=c["key"],
                name=c["name"],
                description=c.get("description", ""),
                weight=float(c["weight"]),
                scale_min=int(c.get("scale_min", 0)),
                scale_max=int(c.get("scale_max", 10)),
                levels=tuple(
                    Level(int(lv["score"]), lv["description"], lv.get("evidence", ""))
                    for lv in c.get("levels", ())
                ),
            )
            for c in data["criteria"]
        ),
    )


def _levels(*rows: tuple[str, str]) -> tuple[Level, ...]:
    """Levels 1, 2, 3 from (description, evidence) pairs; level 0 is "none or no evidence"."""
    return (
        Level(0, "Tidak ada / tidak ada bukti", ""),
        *(Level(i, description, evidence) for i, (description, evidence) in enumerate(rows, 1)),
    )


@dataclass(frozen=True)
class _Default:
    desk: Rubric = field(
        default_factory=lambda: Rubric(
            round=DESK,
            version=1,
            name="Penilaian dokumen: indikator inovasi (Indeks Inovasi Daerah)",
            criteria=(
                Criterion(
                    "regulation",
                    "Regulasi inovasi",
                    "Dasar hukum yang menetapkan inovasi.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Keputusan kepala perangkat daerah", "SK kepala perangkat daerah"),
                        ("Keputusan kepala daerah", "SK kepala daerah"),
                        ("Peraturan kepala daerah atau peraturan daerah", "Perkada / Perda"),
                    ),
                ),
                Criterion(
                    "human_resources",
                    "Ketersediaan SDM",
                    "SDM yang ditugaskan menjalankan inovasi.",
                    10,
                    0,
                    3,
                    _levels(
                        ("1-10 orang", "Surat tugas / SK tim"),
                        ("11-30 orang", "Surat tugas / SK tim"),
                        ("Lebih dari 30 orang", "Surat tugas / SK tim"),
                    ),
                ),
                Criterion(
                    "budget",
                    "Dukungan anggaran",
                    "Anggaran yang dialokasikan untuk inovasi.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Dianggarkan pada tahun berjalan", "DPA tahun berjalan"),
                        ("Dianggarkan pada tahun berjalan dan tahun lalu", "DPA dua tahun"),
                        ("Dianggarkan pada tiap tahun dalam tiga tahun terakhir", "DPA tiga tahun"),
                    ),
                ),
                Criterion(
                    "information_technology",
                    "Penggunaan IT",
                    "Sejauh mana layanan berjalan dengan teknologi informasi.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Manual", "Foto / dokumen proses"),
                        ("Sebagian elektronik", "Tangkapan layar aplikasi"),
                        ("Sepenuhnya daring", "Tautan aplikasi yang berjalan"),
                    ),
                ),
                Criterion(
                    "stakeholders",
                    "Keterlibatan aktor",
                    "Aktor yang terlibat (pemerintah, dunia usaha, akademisi, masyarakat, media).",
                    10,
                    0,
                    3,
                    _levels(
                        ("Dua aktor", "SK / perjanjian kerja sama"),
                        ("Tiga atau empat aktor", "SK / perjanjian kerja sama"),
                        ("Lima aktor (pentaheliks)", "SK / perjanjian kerja sama"),
                    ),
                ),
                Criterion(
                    "replication",
                    "Replikasi",
                    "Perangkat daerah atau daerah lain yang mengadopsi inovasi.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Direplikasi satu kali", "Nota kesepahaman / surat replikasi"),
                        ("Direplikasi dua kali", "Nota kesepahaman / surat replikasi"),
                        ("Direplikasi tiga kali atau lebih", "Nota kesepahaman / surat replikasi"),
                    ),
                ),
                Criterion(
                    "benefit",
                    "Kemanfaatan inovasi",
                    "Masyarakat yang menerima manfaat.",
                    20,
                    0,
                    3,
                    _levels(
                        ("Sampai 100 penerima manfaat", "Data penerima manfaat"),
                        ("101-500 penerima manfaat", "Data penerima manfaat"),
                        ("Lebih dari 500 penerima manfaat", "Data penerima manfaat"),
                    ),
                ),
                Criterion(
                    "monitoring",
                    "Monitoring dan evaluasi",
                    "Cara dampak inovasi diukur.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Monitoring internal", "Laporan monitoring"),
                        ("Evaluasi oleh pihak luar", "Laporan evaluasi pihak luar"),
                        ("Kajian atau survei dampaknya", "Laporan kajian / survei"),
                    ),
                ),
                Criterion(
                    "quality",
                    "Kualitas inovasi",
                    "Cara inovasi bekerja, ditunjukkan dalam video singkat atau demonstrasi.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Hanya diuraikan", "Dokumen"),
                        ("Ditunjukkan dengan foto", "Foto kegiatan"),
                        ("Ditunjukkan berjalan", "Video / demonstrasi"),
                    ),
                ),
            ),
        )
    )
    panel: Rubric = field(
        default_factory=lambda: Rubric(
            round=PANEL,
            version=1,
            name="Panel: presentasi finalis (Innovative Government Award)",
            criteria=(
                Criterion(
                    "novelty",
                    "Kebaruan",
                    "Apa yang baru, di daerah ini atau di mana pun.",
                    30,
                    1,
                    10,
                ),
                Criterion("benefit", "Kemanfaatan", "Manfaat bagi warga, dengan bukti.", 25, 1, 10),
                Criterion(
                    "authority_collaboration",
                    "Kewenangan daerah dan kolaborasi",
                    "Dalam kewenangan daerah; dengan siapa bekerja sama.",
                    15,
                    1,
                    10,
                ),
                Criterion(
                    "replicability",
                    "Dapat direplikasi",
                    "Dapatkah daerah lain mengadopsinya?",
                    20,
                    1,
                    10,
                ),
                Criterion(
                    "presentation",
                    "Kualitas presentasi",
                    "Kejelasan dan jawaban kepada panel.",
                    10,
                    1,
                    10,
                ),
            ),
        )
    )


DEFAULTS = _Default()


def default_rubric(round: str) -> Rubric:
    return DEFAULTS.desk if round == DESK else DEFAULTS.panel
