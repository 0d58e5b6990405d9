"""Web helpers every service's web process shares: the app factory (``app``),
problem+json errors (``problems``), body rules (``bodies``), bearer credentials
(``auth``), security headers and download names (``responses``), the one ``Idempotency-Key`` rule (``idempotency``) and the gunicorn
settings (``gunicorn_config``)."""

from shared.web.app import ServiceContext, create_base_app, create_service_app
from shared.web.auth import CredentialsFirst, bearer_token, is_admin, require_credentials_first
from shared.web.bodies import (
    LARGEST_INTEGER,
    MAX_JSON_DEPTH,
    MULTIPART_FORM,
    accepts_multipart,
    json_depth,
)
from shared.web.problems import (
    CODES,
    PROBLEM_JSON,
    ProblemApi,
    ProblemSchema,
    code_for,
    flatten_errors,
    problem,
    problem_body,
)
from shared.web.responses import SECURITY_HEADERS, attachment

__all__ = [
    "CODES",
    "LARGEST_INTEGER",
    "MAX_JSON_DEPTH",
    "MULTIPART_FORM",
    "PROBLEM_JSON",
    "SECURITY_HEADERS",
    "CredentialsFirst",
    "ProblemApi",
    "ProblemSchema",
    "ServiceContext",
    "accepts_multipart",
    "attachment",
    "bearer_token",
    "code_for",
    "create_base_app",
    "create_service_app",
    "flatten_errors",
    "is_admin",
    "json_depth",
    "problem",
    "problem_body",
    "require_credentials_first",
]
