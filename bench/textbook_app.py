"""The second baseline of the ingest benchmark: the ingest endpoint a team would
write on its first day, run under the same gunicorn settings as the API.

Flask, a marshmallow schema for the same request body as ``POST /v1/proposals``,
SQLAlchemy Core, the proposal row and an outbox row inserted in one transaction,
201 with the id. Nothing else: no authentication, no idempotency, no versions, no
timeline. Its tables are its own (``textbook_*``) in the database it is given.

On SQLite it uses the same settings as Inagara's engine (WAL, ``synchronous=NORMAL``,
a busy timeout), so that the benchmark compares code, not durability settings.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
)

CATEGORIES = [
    "education",
    "health",
    "public_works",
    "housing",
    "public_order",
    "social",
    "manpower",
    "women_child",
    "food",
    "land",
    "environment",
    "population_civil_registry",
    "village_community",
    "transportation",
    "communication_informatics",
    "cooperatives_smes",
    "investment",
    "youth_sports",
    "culture",
    "library",
    "archives",
    "fisheries",
    "tourism",
    "agriculture",
    "trade",
    "industry",
    "water",
    "governance",
    "other",
]

metadata = MetaData()
proposals = Table(
    "textbook_proposals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
outbox = Table(
    "textbook_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(100), nullable=False),
    Column("key", String(36), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class InnovatorSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9 ()-]{8,20}$"))
    instant_channel = fields.String(validate=validate.OneOf(["sms", "whatsapp"]))
    instant_consent_at = fields.AwareDateTime()


class ProposalSchema(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    form = fields.String(
        required=True, validate=validate.OneOf(["governance", "public_service", "other"])
    )
    kind = fields.String(required=True, validate=validate.OneOf(["digital", "non_digital"]))
    maturity = fields.String(
        required=True, validate=validate.OneOf(["initiative", "trial", "implemented"])
    )
    lab_stage = fields.String(
        required=True,
        validate=validate.OneOf(["drum_up", "diagnose", "design", "deliver", "display"]),
    )
    problem = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    solution = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    expected_benefits = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    results = fields.String(load_default="", validate=validate.Length(max=5000))
    budget_idr = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    trial_date = fields.Date(load_default=None, allow_none=True)
    implementation_date = fields.Date(load_default=None, allow_none=True)
    innovators = fields.List(
        fields.Nested(InnovatorSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    evidence_links = fields.List(fields.Url(), load_default=list)
    cycle_id = fields.String(load_default=None, allow_none=True)


def _sqlite_settings(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_for(url: str) -> Engine:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_settings)
    return engine


def create_tables(url: str) -> None:
    """Run once before the workers start (two workers creating them would race)."""
    engine = engine_for(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    app = Flask("textbook")
    engine = engine_for(os.environ["DATABASE_URL"])
    schema = ProposalSchema()

    @app.post("/v1/proposals")
    def create_proposal() -> Any:
        try:
            profile = schema.dump(schema.load(request.get_json()))
        except ValidationError as exc:
            return jsonify(errors=exc.messages), 422
        proposal_id, now = str(uuid.uuid4()), datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(
                insert(proposals).values(
                    id=proposal_id,
                    title=profile["title"],
                    category=profile["category"],
                    status="submitted",
                    profile=profile,
                    created_at=now,
                )
            )
            conn.execute(
                insert(outbox).values(
                    event_id=str(uuid.uuid4()),
                    topic="proposals",
                    key=proposal_id,
                    payload=json.dumps({"type": "proposal.submitted", "proposal": profile}),
                    created_at=now,
                )
            )
        return jsonify(id=proposal_id), 201

    return app
