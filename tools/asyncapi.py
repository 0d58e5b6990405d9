"""The AsyncAPI 3.0.0 document of Inagara's events, built from the event registry.

Channels, messages and payload schemas come from ``CATALOG`` and ``TOPICS``;
what each service receives comes from its ``worker.CONSUMERS``. Adding an
``EventSpec`` to the catalog, or a handler to a consumer, changes the document
without a change here.

Usage: ``python -m tools.asyncapi [--check] [PATH]`` (PATH defaults to
``docs/asyncapi.json``).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.events.catalog import (
    CATALOG,
    CATALOG_VERSION,
    TOPICS,
    EventSpec,
    dead_letter_topic,
)
from shared.events.consumer import ConsumerConfig
from shared.events.envelope import CONTENT_TYPE
from tools.apidocs import render, sync
from tools.services import SERVICES, Consumers

DEFAULT_PATH = Path("docs/asyncapi.json")
TITLE = "Inagara events"
VERSION = CATALOG_VERSION  # the catalog's version (tag events-v<version>)
KAFKA_BINDING = "0.5.0"
DEAD_LETTER = "dead-letter"

Document = dict[str, Any]

# Each service publishes on its own topic (DESIGN: Events); a read-only one (results) none.
PUBLISHES: Mapping[str, str] = {s.name: s.publishes for s in SERVICES if s.publishes}

SERVERS: Document = {
    "local": {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "description": "The local Kafka-compatible broker (Tansu) of the stack and the tests.",
    },
    "production": {
        "host": "kafka:9092",
        "protocol": "kafka",
        "description": "Apache Kafka, as in docker-compose and production.",
    },
}

DESCRIPTION = """\
Facts that Inagara's services publish and consume over Kafka.

Every event is a CloudEvents 1.0 record in Kafka binary content mode: the
attributes travel as `ce_*` headers, the payload is the JSON record value, and
the record key is the proposal id (`ce_subject`) so that one proposal's events
stay ordered on one partition. Consumers ignore fields and event types they do
not know; a breaking change is a new version (`ce_dataschema`). A record that
cannot be handled goes to `<topic>.dlq` with the reason in its headers."""

# Written by shared.events.consumer when it dead-letters a record.
DEAD_LETTER_HEADERS: Mapping[str, str] = {
    "dlq_reason": "Why the record could not be handled.",
    "dlq_error_type": "The name of the exception.",
    "dlq_topic": "The topic the record came from.",
    "dlq_partition": "Its partition.",
    "dlq_offset": "Its offset.",
    "dlq_consumer_group": "The consumer group that gave up on it.",
}


def message_id(event: EventSpec) -> str:
    return f"{event.type}.v{event.version}"


def ref(*parts: str) -> dict[str, str]:
    """A Reference Object to ``#/<parts>``, each part escaped as RFC 6901 asks."""
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return {"$ref": "#/" + "/".join(escaped)}


def _text(description: str, **extra: Any) -> Document:
    return {"type": "string", "description": description, **extra}


def events_on(topic: str, catalog: Mapping[str, EventSpec]) -> list[EventSpec]:
    return [event for event in catalog.values() if event.topic == topic]


def payload_schemas(catalog: Mapping[str, EventSpec]) -> Document:
    """JSON Schemas of every payload (named by message id) and of what they nest.

    apispec writes references as ``#/components/schemas/<name>``, which is where
    AsyncAPI keeps them too; OpenAPI 3.1 output is plain JSON Schema (no ``nullable``).
    """
    spec = APISpec(TITLE, VERSION, openapi_version="3.1.0", plugins=[MarshmallowPlugin()])
    # Several event types share a payload schema (the four decisions): register each once.
    for schema in {event.schema.__name__: event.schema for event in catalog.values()}.values():
        spec.components.schema(schema.__name__, schema=schema)
    schemas: Document = spec.to_dict().get("components", {}).get("schemas", {})
    return schemas


def cloudevent_headers(event: EventSpec) -> Document:
    """The Kafka headers of one event type (UTF-8 text, CloudEvents binary mode)."""
    properties = {
        "ce_id": _text("Unique id of this event; consumers deduplicate on it."),
        "ce_type": _text("The event type.", const=event.type),
        "ce_source": _text("The producing service, such as /inagara/submission."),
        "ce_specversion": _text("The CloudEvents version.", const="1.0"),
        "ce_time": _text("When the fact happened (RFC 3339).", format="date-time"),
        "ce_subject": _text("The proposal id; also the record key."),
        "ce_dataschema": _text("The payload schema and its version.", const=event.dataschema),
        "ce_correlationid": _text("Id of the event that started this proposal's path."),
        "ce_causationid": _text("Id of the event that caused this one."),
        "content-type": _text("The media type of the record value.", const=CONTENT_TYPE),
    }
    optional = {"ce_correlationid", "ce_causationid"}
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(set(properties) - optional),
    }


def kafka_key(description: str) -> Document:
    return {"kafka": {"key": _text(description), "bindingVersion": KAFKA_BINDING}}


def event_message(event: EventSpec) -> Document:
    return {
        "name": event.type,
        "title": f"{event.type} v{event.version}",
        "summary": event.summary,
        "contentType": CONTENT_TYPE,
        "headers": cloudevent_headers(event),
        "payload": ref("components", "schemas", event.schema.__name__),
        "correlationId": {
            "location": "$message.header#/ce_correlationid",
            "description": "Follows one proposal's whole path; absent on its first event.",
        },
        "bindings": kafka_key("The proposal id (ce_subject): keeps a proposal's events in order."),
    }


def dead_letter_message() -> Document:
    headers = {name: _text(description) for name, description in DEAD_LETTER_HEADERS.items()}
    return {
        "name": DEAD_LETTER,
        "title": "Dead letter",
        "summary": "A record a consumer could not handle, byte for byte, with the reason.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "description": "The original record's headers plus these.",
            "properties": headers,
            "required": sorted(headers),
        },
        "payload": {"description": "The original record's value, unchanged."},
        "bindings": kafka_key("The original record's key."),
    }


def topic_channel(topic: str, catalog: Mapping[str, EventSpec]) -> Document:
    return {
        "address": topic,
        "title": topic,
        "messages": {
            message_id(event): ref("components", "messages", message_id(event))
            for event in events_on(topic, catalog)
        },
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
    }


def dead_letter_channel(topic: str) -> Document:
    dlq = dead_letter_topic(topic)
    return {
        "address": dlq,
        "title": dlq,
        "description": f"Records from {topic} that a consumer could not handle.",
        "messages": {DEAD_LETTER: ref("components", "messages", DEAD_LETTER)},
        "bindings": {"kafka": {"topic": dlq, "bindingVersion": KAFKA_BINDING}},
    }


def channels(catalog: Mapping[str, EventSpec]) -> Document:
    out: Document = {}
    for topic in TOPICS:
        out[topic] = topic_channel(topic, catalog)
        out[dead_letter_topic(topic)] = dead_letter_channel(topic)
    return out


def send_operation(service: str, topic: str, catalog: Mapping[str, EventSpec]) -> Document:
    return {
        "action": "send",
        "channel": ref("channels", topic),
        "summary": f"The {service} service publishes its events (through its outbox).",
        "messages": [
            ref("channels", topic, "messages", message_id(event))
            for event in events_on(topic, catalog)
            if event.emitted  # a retired version is still read, no longer sent
        ],
    }


def receive_operation(
    service: str, config: ConsumerConfig, topic: str, handled: list[EventSpec]
) -> Document:
    return {
        "action": "receive",
        "channel": ref("channels", topic),
        "summary": f"The {service} worker handles these events and skips other types.",
        "messages": [ref("channels", topic, "messages", message_id(event)) for event in handled],
        "bindings": {
            "kafka": {
                "groupId": {"type": "string", "enum": [config.group_id]},
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def dead_letter_operation(service: str, topic: str) -> Document:
    dlq = dead_letter_topic(topic)
    return {
        "action": "send",
        "channel": ref("channels", dlq),
        "summary": f"The {service} worker dead-letters what it cannot handle from {topic}.",
        "messages": [ref("channels", dlq, "messages", DEAD_LETTER)],
    }


def consumer_operations(
    service: str, consumers: Consumers, catalog: Mapping[str, EventSpec]
) -> Document:
    out: Document = {}
    for config, handlers in consumers:
        for topic in config.topics:
            handled = [event for event in events_on(topic, catalog) if event.dataschema in handlers]
            out[f"{service}.receive.{topic}"] = receive_operation(service, config, topic, handled)
            dlq = dead_letter_topic(topic)
            out[f"{service}.send.{dlq}"] = dead_letter_operation(service, topic)
    return out


def operations(catalog: Mapping[str, EventSpec], consumers: Mapping[str, Consumers]) -> Document:
    out: Document = {
        f"{service}.send.{topic}": send_operation(service, topic, catalog)
        for service, topic in PUBLISHES.items()
    }
    for service, service_consumers in consumers.items():
        out.update(consumer_operations(service, service_consumers, catalog))
    return out


def service_consumers() -> dict[str, Consumers]:
    """Each service's ``worker.CONSUMERS`` (a worker that only relays has none)."""
    return {service.name: service.consumers for service in SERVICES}


def build_document(
    catalog: Mapping[str, EventSpec] = CATALOG,
    consumers: Mapping[str, Consumers] | None = None,
) -> Document:
    """The AsyncAPI document; ``consumers`` defaults to the services' own."""
    consumers = service_consumers() if consumers is None else consumers
    return {
        "asyncapi": "3.0.0",
        "info": {"title": TITLE, "version": VERSION, "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": SERVERS,
        "channels": channels(catalog),
        "operations": operations(catalog, consumers),
        "components": {
            "messages": {
                **{message_id(event): event_message(event) for event in catalog.values()},
                DEAD_LETTER: dead_letter_message(),
            },
            "schemas": payload_schemas(catalog),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write the document, or with ``--check`` exit 1 when the file is stale."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.asyncapi",
        description="Write the AsyncAPI document built from the event catalog.",
    )
    parser.add_argument("--check", action="store_true", help="only report a stale document")
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    files = {args.path: render(build_document())}
    return sync(files, check=args.check, command=f"{parser.prog} {args.path}")


if __name__ == "__main__":
    raise SystemExit(main())
