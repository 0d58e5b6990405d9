"""Web helpers every service's web process shares: the app factory (``app``),
problem+json errors (``problems``), body rules (``bodies``), bearer credentials
(``auth``), the one ``Idempotency-Key`` rule (``idempotency``) and the gunicorn
settings (``gunicorn_config``)."""

from shared.web.app import ServiceContext, create_base_app, create_service_app
from shared.web.auth import bearer_token, is_admin
from shared.web.bodies import MULTIPART_FORM, accepts_multipart
from shared.web.problems import PROBLEM_JSON, ProblemApi, ProblemSchema, flatten_errors, problem

__all__ = [
    "MULTIPART_FORM",
    "PROBLEM_JSON",
    "ProblemApi",
    "ProblemSchema",
    "ServiceContext",
    "accepts_multipart",
    "bearer_token",
    "create_base_app",
    "create_service_app",
    "flatten_errors",
    "is_admin",
    "problem",
]
