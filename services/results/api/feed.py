"""The JSON feed: published cycles, one cycle's record, the catalogue of awarded innovations.
Public: no credentials, nothing unpublished."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from services.results.api.context import now, with_links, work
from services.results.api.schemas import (
    CatalogQuerySchema,
    CatalogSchema,
    CycleListSchema,
    CycleRecordSchema,
)
from services.results.usecases import queries

blp = Blueprint(
    "feed",
    __name__,
    url_prefix="/v1",
    description="The public record: published shortlists, results and awarded innovations.",
)


@blp.route("/cycles")
class Cycles(MethodView):
    @blp.response(200, CycleListSchema)
    def get(self) -> dict[str, Any]:
        """Every cycle with a published shortlist or published results, newest year first."""
        return {"items": queries.list_cycles(now(), work())}


@blp.route("/cycles/<string:cycle_id>")
class Cycle(MethodView):
    @blp.response(200, CycleRecordSchema)
    @blp.alt_response(404, description="No such cycle, or nothing of it published")
    def get(self, cycle_id: str) -> dict[str, Any]:
        """A cycle's record per award category: its shortlist in rank order and its awards;
        scores only where the secretariat published them."""
        record = queries.cycle_record(cycle_id, now(), work())
        if record is None:
            abort(404, message="Nothing of this cycle is published.", code="cycle.not_found")
        return with_links(record)


@blp.route("/catalog")
class Catalog(MethodView):
    @blp.arguments(CatalogQuerySchema, location="query")
    @blp.response(200, CatalogSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Awarded innovations across cycles, searchable (`q` in title, summary and agency)
        and filtered by year, award category and agency."""
        return queries.search_catalog(query, work())
