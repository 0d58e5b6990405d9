"""The submission service's own settings, on top of what every process reads
(``shared.platform.settings.Settings``): where evidence files live, how large they
may be, and the submission window configured without a review cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.submission.domain.window import Cycle
from shared.platform.settings import Settings, env, moment


@dataclass(frozen=True)
class SubmissionSettings(Settings):
    evidence_dir: str = env("EVIDENCE_DIR", "var/evidence")
    evidence_s3_bucket: str = env("EVIDENCE_S3_BUCKET", "")
    evidence_s3_endpoint_url: str = env("EVIDENCE_S3_ENDPOINT_URL", "")
    evidence_s3_region: str = env("EVIDENCE_S3_REGION", "")
    evidence_s3_access_key_id: str = env("EVIDENCE_S3_ACCESS_KEY_ID", "")
    evidence_s3_secret_access_key: str = env("EVIDENCE_S3_SECRET_ACCESS_KEY", "", secret=True)
    max_evidence_file_bytes: int = env("MAX_EVIDENCE_FILE_BYTES", 10_485_760)
    max_evidence_bytes_per_proposal: int = env("MAX_EVIDENCE_BYTES_PER_PROPOSAL", 52_428_800)
    submission_cycle_id: str = env("SUBMISSION_CYCLE_ID", "")
    submission_opens_at: str = env("SUBMISSION_OPENS_AT", "", moment)
    submission_closes_at: str = env("SUBMISSION_CLOSES_AT", "", moment)


def configured_cycle(settings: SubmissionSettings) -> Cycle | None:
    """The cycle named by ``SUBMISSION_CYCLE_ID``/``_OPENS_AT``/``_CLOSES_AT``, if complete."""
    if not (
        settings.submission_cycle_id
        and settings.submission_opens_at
        and settings.submission_closes_at
    ):
        return None
    return Cycle(
        id=settings.submission_cycle_id,
        name=settings.submission_cycle_id,
        opens_at=datetime.fromisoformat(settings.submission_opens_at),
        closes_at=datetime.fromisoformat(settings.submission_closes_at),
    )
