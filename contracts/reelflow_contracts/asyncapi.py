"""The AsyncAPI 3.0 document of every topic and message.

Built by hand from the catalog (no FastStream at run time): FastStream's generator names messages
after handlers, merges a topic's types into one anonymous `anyOf` payload and says nothing of
the CloudEvents headers, which are the point of this contract.

    python -m reelflow_contracts.asyncapi > asyncapi.json

`make asyncapi` writes it as YAML to docs/asyncapi.yaml (reelflow_gateway.apidoc.asyncapi_page).
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from typing import Any

from pydantic.json_schema import JsonSchemaMode, models_json_schema

from reelflow_contracts.envelope import CONTENT_TYPE, SPECVERSION, encode
from reelflow_contracts.examples import example_envelope
from reelflow_contracts.messages import CONTRACT_TYPES, Message
from reelflow_contracts.topics import (
    ALL_TOPICS,
    COMMAND_TOPICS,
    EVENT_TOPICS,
    IMAGE_COMMANDS,
    IMAGE_EVENTS,
    OPERATION_EVENTS,
    SCENE_COMMANDS,
    SCENE_EVENTS,
    SCRIPT_COMMANDS,
    SCRIPT_EVENTS,
    VIDEO_COMMANDS,
    VIDEO_EVENTS,
)

__all__ = [
    "SERVICES",
    "PUBLISHES",
    "SUBSCRIBES",
    "writer_of",
    "emitted_by",
    "consumed_by",
    "build",
    "main",
]

SERVICES = ("gateway", "script", "scene", "image", "video")

PUBLISHES: dict[str, tuple[str, ...]] = {
    "gateway": COMMAND_TOPICS + (OPERATION_EVENTS,),
    "script": (SCRIPT_EVENTS,),
    "scene": (SCENE_EVENTS,),
    "image": (IMAGE_EVENTS,),
    "video": (VIDEO_EVENTS,),
}
"""Which service writes each topic (every topic has exactly one writer)."""

SUBSCRIBES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "gateway": {topic: None for topic in EVENT_TOPICS},
    "script": {SCRIPT_COMMANDS: None},
    "scene": {SCENE_COMMANDS: None, SCRIPT_EVENTS: ("ScriptApproved",)},
    "image": {IMAGE_COMMANDS: None, SCENE_EVENTS: ("ShotPlanned",), IMAGE_EVENTS: ("ImageRejected",)},
    "video": {VIDEO_COMMANDS: None, SCENE_EVENTS: ("ScriptSegmented", "ShotPlanned"), IMAGE_EVENTS: ("ImageApproved",)},
}
"""What each service's consumer group reads: topic -> message names it handles (None: all of them)."""

KAFKA_BINDING = "0.5.0"


def messages_on(topic: str) -> list[type[Message]]:
    return [cls for cls in CONTRACT_TYPES if cls.topic == topic]


def writer_of(topic: str) -> str:
    return next(service for service, topics in PUBLISHES.items() if topic in topics)


def emitted_by(cls: type[Message]) -> str:
    return writer_of(cls.topic)


def consumed_by(cls: type[Message]) -> list[str]:
    return [
        service
        for service, topics in SUBSCRIBES.items()
        if cls.topic in topics and ((names := topics[cls.topic]) is None or cls.__name__ in names)
    ]


def _channel_id(topic: str) -> str:
    head, _, tail = topic.partition(".")
    return head + tail.capitalize()


def _doc(cls: type) -> tuple[str, str]:
    text = re.sub(r"\s+", " ", (cls.__doc__ or "").strip())
    summary = text.split(". ")[0].rstrip(".") + "."
    return summary, text


HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in Kafka binary content mode; every value is UTF-8 text.",
    "properties": {
        "ce_specversion": {"type": "string", "const": SPECVERSION},
        "ce_id": {"type": "string", "format": "uuid", "description": "unique id of this message"},
        "ce_type": {"type": "string", "description": "reelflow.<service>.<name>.v<N>"},
        "ce_source": {"type": "string", "description": "the emitting service"},
        "ce_time": {"type": "string", "format": "date-time", "description": "RFC 3339, UTC"},
        "ce_subject": {"type": "string", "description": "id of the aggregate the message is about"},
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        "ce_correlationid": {
            "type": "string",
            "description": "extension: the HTTP request or operation that started the chain",
        },
        "ce_causationid": {
            "type": "string",
            "description": "extension: ce_id of the message this one reacts to (absent on a chain's first message)",
        },
    },
    "required": [
        "ce_specversion",
        "ce_id",
        "ce_type",
        "ce_source",
        "ce_time",
        "ce_subject",
        "content-type",
        "ce_correlationid",
    ],
}

DLQ_HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The original record's headers, plus why and where it failed.",
    "properties": {
        "x-dlq-error": {"type": "string", "description": "the decode, validation or handler error (≤ 4000 chars)"},
        "x-dlq-source-topic": {"type": "string"},
        "x-dlq-source-partition": {"type": "string", "description": "decimal integer"},
        "x-dlq-source-offset": {"type": "string", "description": "decimal integer"},
        "x-dlq-group": {"type": "string", "description": "the consumer group that gave up on it"},
    },
    "required": ["x-dlq-error", "x-dlq-source-topic", "x-dlq-source-partition", "x-dlq-source-offset", "x-dlq-group"],
    "additionalProperties": {"type": "string"},
}


def _schemas() -> dict[str, Any]:
    models: list[tuple[type[Message], JsonSchemaMode]] = [(cls, "validation") for cls in CONTRACT_TYPES]
    by_model, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    for (cls, _), schema in by_model.items():
        if "$ref" not in schema:
            schemas[cls.__name__] = schema
    return dict(sorted(schemas.items()))


def _message(cls: type[Message]) -> dict[str, Any]:
    summary, description = _doc(cls)
    record = encode(example_envelope(cls))
    return {
        "name": cls.__name__,
        "title": cls.__name__,
        "summary": summary,
        "description": description,
        "contentType": CONTENT_TYPE,
        "headers": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEventHeaders"},
                {"properties": {"ce_type": {"const": cls.ce_type}}},
            ]
        },
        "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
        "correlationId": {"$ref": "#/components/correlationIds/correlation"},
        "tags": [{"name": cls.kind}, {"name": emitted_by(cls)}],
        "bindings": {
            "kafka": {"key": {"type": "string", "description": "the script id"}, "bindingVersion": KAFKA_BINDING},
        },
        "x-ce-type": cls.ce_type,
        "x-subject-field": cls.subject_field,
        "x-consumed-by": consumed_by(cls),
        "examples": [
            {
                "name": f"{cls.__name__}Example",
                "headers": record.header_dict(),
                "payload": json.loads(record.value),
            }
        ],
    }


def _channels() -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        kafka: dict[str, Any] = {"topic": topic, "bindingVersion": KAFKA_BINDING}
        if topic in EVENT_TOPICS:
            kafka["topicConfiguration"] = {"retention.ms": -1, "cleanup.policy": ["delete"]}
        channels[_channel_id(topic)] = {
            "address": topic,
            "title": topic,
            "description": f"{'events, kept forever' if topic in EVENT_TOPICS else 'commands'}; "
            f"written by the {writer_of(topic)} service; key: the script id",
            "messages": {cls.__name__: {"$ref": f"#/components/messages/{cls.__name__}"} for cls in messages_on(topic)},
            "bindings": {"kafka": kafka},
        }
    channels["deadLetters"] = {
        "address": "{group}.dlq",
        "title": "<group>.dlq",
        "description": "Records a consumer group could not decode, validate or handle; value and key unchanged.",
        "parameters": {"group": {"description": "the consumer group's id"}},
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    }
    return channels


def _operations() -> dict[str, Any]:
    ops: dict[str, Any] = {}
    for service in SERVICES:
        for topic in PUBLISHES[service]:
            channel = _channel_id(topic)
            ops[f"{service}Sends{channel[0].upper()}{channel[1:]}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel}"},
                "title": f"{service} writes {topic}",
                "messages": [{"$ref": f"#/channels/{channel}/messages/{cls.__name__}"} for cls in messages_on(topic)],
            }
        for topic, names in SUBSCRIBES[service].items():
            channel = _channel_id(topic)
            handled = [cls for cls in messages_on(topic) if names is None or cls.__name__ in names]
            ops[f"{service}Receives{channel[0].upper()}{channel[1:]}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel}"},
                "title": f"{service} reads {topic}",
                "description": "other types on the topic are skipped",
                "messages": [{"$ref": f"#/channels/{channel}/messages/{cls.__name__}"} for cls in handled],
            }
    return ops


def _version() -> str:
    try:
        return metadata.version("reelflow-contracts")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def build() -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a JSON-ready dict."""
    schemas = _schemas()
    schemas["CloudEventHeaders"] = HEADERS_SCHEMA
    schemas["DeadLetterHeaders"] = DLQ_HEADERS_SCHEMA
    messages = {cls.__name__: _message(cls) for cls in sorted(CONTRACT_TYPES, key=lambda c: (c.topic, c.__name__))}
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "DeadLetter",
        "summary": "A record moved aside by a consumer group, with the error in its headers.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "the original value, byte for byte"},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Reelflow messages",
            "version": _version(),
            "description": (
                "Commands and events of Reelflow's services. CloudEvents 1.0 in Kafka binary mode: "
                "attributes in ce_* headers, the JSON payload in the value, the script id as the key. "
                "Schemas only grow by optional fields and consumers ignore unknown ones; "
                "a breaking change gets a new .vN ce_type."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "embedded": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "the embedded broker of `make up` (REELFLOW_STACK_KAFKA_PORT changes the port)",
            },
        },
        "channels": _channels(),
        "operations": _operations(),
        "components": {
            "schemas": schemas,
            "messages": messages,
            "correlationIds": {
                "correlation": {
                    "description": "the HTTP request or operation that started the chain",
                    "location": "$message.header#/ce_correlationid",
                },
            },
        },
    }


def main() -> None:
    json.dump(build(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
