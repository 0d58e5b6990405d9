"""What only the submission service reads from its environment, on top of the base ``Settings``.

Evidence storage (a local directory, or an S3 bucket when ``EVIDENCE_S3_BUCKET``
is set), the evidence size limits and the cycle configured from the environment.
``docs/CONFIGURATION.md`` and ``docker-compose.yml`` list them with the shared ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.submission.domain.retention import parse_overrides
from shared.platform.settings import Settings, SettingsError, cidr_list, env, moment


def event_version(name: str, raw: str) -> int:
    if raw not in {"1", "2"}:
        raise SettingsError(f"{name} must be 1 or 2, got {raw!r}")
    return int(raw)


def days(name: str, raw: str) -> int:
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number of days (0 or more), got {raw!r}")
    return int(raw)


def retention_overrides(name: str, raw: str) -> str:
    try:
        parse_overrides(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc} (e.g. cycle-2025=730,cycle-2026=400)") from exc
    return raw


@dataclass(frozen=True)
class SubmissionSettings(Settings):
    service: str = "submission"
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
    # 2: innovators sealed per data subject in proposal.submitted/resubmitted (docs/PRIVACY.md);
    # 1 until every consumer runs a release that reads v2.
    proposal_event_version: int = env("PROPOSAL_EVENT_VERSION", 1, event_version)
    # Group commit of POST /v1/proposals (shared/platform/group_commit.py): how many
    # transactions of a web process may run at once (0: 1 on SQLite, 2 on PostgreSQL), and
    # how long a leader waits for the create requests on their way (0: it does not).
    group_commit_leaders: int = env("GROUP_COMMIT_LEADERS", 0)
    group_commit_gather_ms: float = env("GROUP_COMMIT_GATHER_MS", 0.0)
    # The bearer token the consumers present to fetch a subject's key (GET /v1/subject-keys/…).
    subject_keys_token: str = env("SUBJECT_KEYS_TOKEN", "", secret=True)
    # The key of the hashes that find a person among the review service's objectors in a
    # person-wide export or erasure (shared/events/matching.py); the same value on the
    # review service. Empty: person-wide requests do not reach objectors.
    subject_match_key: str = env("SUBJECT_MATCH_KEY", "", secret=True)
    # A review web process, where an export's objector part is opened with the objector's
    # key (GET /v1/subjects/<id>/key, SUBJECT_KEYS_TOKEN). Empty: that part reads unreadable.
    objector_keys_url: str = env("OBJECTOR_KEYS_URL", "")
    # After a webhook secret's rotation the old secret still signs for this long.
    webhook_rotation_grace_s: float = env("WEBHOOK_ROTATION_GRACE_S", 86_400.0)
    # Webhooks (docs/PORTALS.md), read by the submission and notification services: the
    # networks a portal's endpoint may resolve into although they are internal
    # (comma-separated CIDR; the local stack allows loopback), and the key every
    # endpoint's signing secret is derived from.
    webhook_allowed_networks: str = env("WEBHOOK_ALLOWED_NETWORKS", "", cidr_list)
    webhook_secret_key: str = env("WEBHOOK_SECRET_KEY", "", secret=True)
    # Retention (docs/PRIVACY.md): the personal data of a cycle's settled proposals is
    # erased (awarded: minimised) this many days after the cycle's submission window
    # closed; per cycle "<cycle id>=<days>,…"; the worker checks every interval (0: off).
    privacy_retention_days: int = env("PRIVACY_RETENTION_DAYS", 365, days)
    privacy_retention_cycles: str = env("PRIVACY_RETENTION_CYCLES", "", retention_overrides)
    privacy_retention_interval_s: float = env("PRIVACY_RETENTION_INTERVAL_S", 3600.0)
    # One agency, one innovation: this long before a cycle with a minimum per agency closes,
    # the agencies still at zero are reminded by email, once each; 0 turns reminders off.
    participation_reminder_hours: float = env("PARTICIPATION_REMINDER_HOURS", 72.0)
    # An erasure request tells the person by email first and erases them this many hours
    # later (the submission worker); 0: at once, without the email (docs/PRIVACY.md).
    erasure_notice_hours: float = env("ERASURE_NOTICE_HOURS", 0.0)
