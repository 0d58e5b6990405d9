"""Transitional: the base ``Settings`` plus the fields only one service reads.

New code reads settings with ``shared.platform.settings`` (the base ``Settings``
and ``env``/``read``); each service's ``config.py`` subclasses that base with
its own fields (submission: evidence storage and the configured window;
notification: SMTP and the SMS gateway). This module goes when no service
imports it any more.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.platform.settings import Settings as BaseSettings
from shared.platform.settings import SettingsError, default_database_url, env, moment

__all__ = ["Settings", "SettingsError", "default_database_url"]


@dataclass(frozen=True)
class Settings(BaseSettings):
    smtp_host: str = env("SMTP_HOST", "127.0.0.1")
    smtp_port: int = env("SMTP_PORT", 1025)
    smtp_username: str = env("SMTP_USERNAME", "")
    smtp_password: str = env("SMTP_PASSWORD", "", secret=True)
    smtp_starttls: bool = env("SMTP_STARTTLS", False)
    smtp_timeout_s: float = 10.0
    mail_from: str = env("MAIL_FROM", "Inagara <noreply@inagara.local>")
    sms_gateway_url: str = env("SMS_GATEWAY_URL", "")
    sms_gateway_token: str = env("SMS_GATEWAY_TOKEN", "", secret=True)
    # Set but empty turns quiet hours off; unset means the default.
    sms_quiet_hours: str = env("SMS_QUIET_HOURS", "21:00-07:00", keep_empty=True)
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
