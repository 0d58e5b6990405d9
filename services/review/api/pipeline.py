"""The pipeline status as JSON (the secretariat's page shows the same, under /ui/pipeline)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.review.adapters.pipeline_probes import LivePipelineProbes
from services.review.api.principal import context, reader, review_settings, work
from services.review.api.schemas import PipelineSchema
from services.review.domain.pipeline import PipelineStatus
from services.review.usecases.pipeline import Sources, pipeline_status
from shared.events.connection import kafka_security

blp = Blueprint(
    "pipeline",
    __name__,
    url_prefix="/v1/pipeline",
    description="Pipeline status: proposals per stage, consumer lag, outbox backlogs, dead letters.",
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
PROBE_TIMEOUT_S = 1.0


def current_status() -> PipelineStatus:
    """Read everything now; answers within about PROBE_TIMEOUT_S even with the broker down."""
    ctx, review = context(), review_settings()
    sources = Sources(
        services=(("submission", review.submission_url), ("notification", review.notification_url))
    )
    probes = LivePipelineProbes(
        ctx.settings.kafka_bootstrap_servers, PROBE_TIMEOUT_S, kafka_security(ctx.settings)
    )
    return pipeline_status(probes, sources, work())


@blp.route("")
class Pipeline(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, PipelineSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    def get(self) -> PipelineStatus:
        """Proposals per stage, lag per consumer group, outbox backlog per service, the
        last dead letters of each `.dlq` topic. What does not answer is named, not fatal."""
        reader()
        return current_status()
