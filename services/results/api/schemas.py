"""The JSON feed's request and response schemas (marshmallow): what the OpenAPI says."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.platform.text import SingleLine


class CategoryRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class CycleSummarySchema(Schema):
    cycle_id = fields.String(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    categories = fields.List(fields.Nested(CategoryRefSchema), required=True)
    shortlist_published_at = fields.AwareDateTime(allow_none=True)
    objections_close_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "The public objection window closes then"}
    )
    objections_open = fields.Boolean(required=True)
    results_published_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Absent (null): results not published yet"}
    )
    scores_published = fields.Boolean(required=True)


class CycleListSchema(Schema):
    items = fields.List(fields.Nested(CycleSummarySchema), required=True)


class PublicEntrySchema(Schema):
    proposal_id = fields.String(required=True)
    title = fields.String(required=True)
    agency_code = fields.String(required=True)
    agency_name = fields.String(required=True)
    summary = fields.String(required=True)
    category = fields.String(allow_none=True)
    category_name = fields.String(allow_none=True)
    rank = fields.Integer(allow_none=True)
    award = fields.String(allow_none=True, metadata={"description": "null: not awarded"})
    score = fields.Float(
        allow_none=True,
        metadata={"description": "Present only where the secretariat published scores"},
    )
    objection_url = fields.String(
        metadata={"description": "The public objection form, while the window is open"}
    )


class CategoryRecordSchema(Schema):
    code = fields.String(allow_none=True, metadata={"description": "null: the whole cycle"})
    name = fields.String(allow_none=True)
    shortlist = fields.List(
        fields.Nested(PublicEntrySchema),
        required=True,
        metadata={"description": "The finalists in rank order"},
    )
    awards = fields.List(fields.Nested(PublicEntrySchema), required=True)


class CycleRecordSchema(CycleSummarySchema):
    stage = fields.String(
        required=True,
        metadata={
            "description": "results: the awards are published; shortlist: only the shortlist"
        },
    )
    by_category = fields.List(fields.Nested(CategoryRecordSchema), required=True)


class CatalogQuerySchema(Schema):
    q = fields.String(
        load_default="",
        validate=[validate.Length(max=200), SingleLine()],
        metadata={"description": "Words looked for in title, summary and agency"},
    )
    year = fields.Integer(validate=validate.Range(min=1900, max=9999))
    category = fields.String(
        validate=[validate.Length(max=200), SingleLine()],
        metadata={"description": "An award category's code or name"},
    )
    agency = fields.String(
        validate=[validate.Length(max=200), SingleLine()],
        metadata={"description": "An agency's code or name"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class CatalogItemSchema(PublicEntrySchema):
    cycle_id = fields.String(required=True)
    cycle_name = fields.String(required=True)
    year = fields.Integer(required=True)


class CatalogSchema(Schema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(CatalogItemSchema), required=True)
