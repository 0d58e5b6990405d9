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
            name="Desk: indikator inovasi (Indeks Inovasi Daerah)",
            criteria=(
                Criterion(
                    "regulation",
                    "Regulasi inovasi",
                    "Legal basis that sets the innovation up.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Decree of the agency head", "SK kepala perangkat daerah"),
                        ("Decree of the regional head", "SK kepala daerah"),
                        ("Regional head regulation or bylaw", "Perkada / Perda"),
                    ),
                ),
                Criterion(
                    "human_resources",
                    "Ketersediaan SDM",
                    "People assigned to run the innovation.",
                    10,
                    0,
                    3,
                    _levels(
                        ("1-10 people", "Surat tugas / SK tim"),
                        ("11-30 people", "Surat tugas / SK tim"),
                        ("More than 30 people", "Surat tugas / SK tim"),
                    ),
                ),
                Criterion(
                    "budget",
                    "Dukungan anggaran",
                    "Budget allocated to the innovation.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Budget in the current year", "DPA tahun berjalan"),
                        ("Budget in the current and last year", "DPA dua tahun"),
                        ("Budget in each of the last three years", "DPA tiga tahun"),
                    ),
                ),
                Criterion(
                    "information_technology",
                    "Penggunaan IT",
                    "How far the service runs on information technology.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Manual", "Foto / dokumen proses"),
                        ("Partly electronic", "Tangkapan layar aplikasi"),
                        ("Fully online", "Tautan aplikasi yang berjalan"),
                    ),
                ),
                Criterion(
                    "stakeholders",
                    "Keterlibatan aktor",
                    "Actors involved (government, business, academia, community, media).",
                    10,
                    0,
                    3,
                    _levels(
                        ("Two actors", "SK / perjanjian kerja sama"),
                        ("Three or four actors", "SK / perjanjian kerja sama"),
                        ("Five actors (pentahelix)", "SK / perjanjian kerja sama"),
                    ),
                ),
                Criterion(
                    "replication",
                    "Replikasi",
                    "Other agencies or regions that adopted the innovation.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Replicated once", "Nota kesepahaman / surat replikasi"),
                        ("Replicated twice", "Nota kesepahaman / surat replikasi"),
                        ("Replicated three times or more", "Nota kesepahaman / surat replikasi"),
                    ),
                ),
                Criterion(
                    "benefit",
                    "Kemanfaatan inovasi",
                    "People who benefit.",
                    20,
                    0,
                    3,
                    _levels(
                        ("Up to 100 beneficiaries", "Data penerima manfaat"),
                        ("101-500 beneficiaries", "Data penerima manfaat"),
                        ("More than 500 beneficiaries", "Data penerima manfaat"),
                    ),
                ),
                Criterion(
                    "monitoring",
                    "Monitoring dan evaluasi",
                    "How the innovation's effect is measured.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Internal monitoring", "Laporan monitoring"),
                        ("External evaluation", "Laporan evaluasi pihak luar"),
                        ("Study or survey of its effect", "Laporan kajian / survei"),
                    ),
                ),
                Criterion(
                    "quality",
                    "Kualitas inovasi",
                    "How the innovation works, shown in a short video or demonstration.",
                    10,
                    0,
                    3,
                    _levels(
                        ("Described only", "Dokumen"),
                        ("Shown in pictures", "Foto kegiatan"),
                        ("Shown working", "Video / demonstrasi"),
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
                Criterion("novelty", "Kebaruan", "What is new, here or anywhere.", 30, 1, 10),
                Criterion("benefit", "Kemanfaatan", "Benefit to citizens, shown.", 25, 1, 10),
                Criterion(
                    "authority_collaboration",
                    "Kewenangan daerah dan kolaborasi",
                    "Within the region's authority; who it works with.",
                    15,
                    1,
                    10,
                ),
                Criterion(
                    "replicability",
                    "Dapat direplikasi",
                    "Could another region adopt it?",
                    20,
                    1,
                    10,
                ),
                Criterion(
                    "presentation",
                    "Kualitas presentasi",
                    "Clarity and answers to the panel.",
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
