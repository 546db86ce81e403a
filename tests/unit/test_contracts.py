"""The message contract: every catalog type round-trips through the CloudEvents Kafka binding,
survives unknown fields, fails loudly and precisely when malformed, and is readable by the
stock CloudEvents SDK; the AsyncAPI document covers all of it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

import reelflow_contracts as rc
from reelflow_contracts import (
    ALL_TOPICS,
    CATALOG,
    CONTRACT_TYPES,
    CreateScript,
    CreateVideo,
    Envelope,
    MessageDecodeError,
    ScriptCommandRejected,
    ScriptCreated,
    ScriptGenerationFailed,
    UnknownMessageType,
    UpdateScript,
    VideoCommandRejected,
    VideoOptions,
    decode,
    encode,
    new_envelope,
)
from reelflow_contracts.asyncapi import build as build_asyncapi
from reelflow_contracts.examples import all_examples, example, example_envelope

TYPES = list(CONTRACT_TYPES)
ids = pytest.mark.parametrize("cls", TYPES, ids=[cls.ce_type for cls in TYPES])

# ARCHITECTURE.md section 3, "Catalog": the names are the contract.
ARCHITECTURE_NAMES = {
    "script": [
        "CreateScript",
        "GenerateScript",
        "UpdateScript",
        "ApproveScript",
        "ScriptCreated",
        "ScriptUpdated",
        "ScriptApproved",
        "ScriptGenerationFailed",
    ],
    "scene": [
        "UpdateScene",
        "ApproveScene",
        "SceneCreated",
        "ScriptSegmented",
        "SegmentationFailed",
        "SceneUpdated",
        "SceneApproved",
        "ShotPlanned",
        "ShotPlanningFailed",
    ],
    "image": [
        "ApproveImage",
        "RejectImage",
        "ImageGenerated",
        "ImageApproved",
        "ImageRejected",
        "ImageGenerationFailed",
    ],
    "video": ["CreateVideo", "VideoRequested", "VideoRenderProgressed", "VideoRendered", "VideoFailed"],
    "operation": [
        "OperationStarted",
        "OperationProgressed",
        "OperationCompleted",
        "OperationFailed",
        "OperationCancelled",
    ],
}
SERVICES_WITH_COMMANDS = ("script", "scene", "image", "video")
CE_HEADERS = (
    "ce_specversion",
    "ce_id",
    "ce_type",
    "ce_source",
    "ce_time",
    "ce_subject",
    "ce_correlationid",
    "ce_causationid",
)


def record_of(cls):
    env = example_envelope(cls)
    return env, encode(env)


def replace_value(record, **changes) -> bytes:
    payload = json.loads(record.value)
    payload.update(changes)
    return json.dumps(payload).encode()


def without_header(headers, name):
    return [(k, v) for k, v in headers if k != name]


# -- the catalog --------------------------------------------------------------------------------


def test_every_architecture_name_exists_and_is_registered():
    registered = {cls.__name__ for cls in CATALOG.values()}
    for service, names in ARCHITECTURE_NAMES.items():
        for name in names:
            cls = getattr(rc, name, None)
            assert cls is not None, f"{name} is not exported"
            assert name in registered, f"{name} is not in CATALOG"
            assert cls.topic.startswith(f"{service}."), f"{name} is on {cls.topic}"


def test_command_rejected_exists_for_every_service():
    assert issubclass(rc.CommandRejected, rc.Event)
    assert rc.CommandRejected not in TYPES
    for service in SERVICES_WITH_COMMANDS:
        [cls] = [c for c in TYPES if issubclass(c, rc.CommandRejected) and c.topic == f"{service}.events"]
        assert cls.ce_type == f"reelflow.{service}.command_rejected.v1"


def test_contract_types_are_the_registered_ones():
    assert all(CATALOG[cls.ce_type] is cls for cls in TYPES)
    assert len({cls.__name__ for cls in TYPES}) == len(TYPES)


def test_catalog_has_nothing_else():
    listed = {name for names in ARCHITECTURE_NAMES.values() for name in names}
    extra = {cls.__name__ for cls in TYPES if cls.__name__ not in listed and not issubclass(cls, rc.CommandRejected)}
    assert not extra


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@ids
def test_type_name_topic_and_subject_follow_the_rules(cls):
    domain, kind = cls.topic.split(".")
    assert kind == {"command": "commands", "event": "events"}[cls.kind]
    name = _snake(cls.__name__)
    if name.startswith(domain + "_"):
        name = name[len(domain) + 1 :]
    assert cls.ce_type == f"reelflow.{domain}.{name}.v1"
    assert cls.model_fields[cls.subject_field].is_required()
    assert "script_id" in cls.model_fields


@ids
def test_example_is_valid_and_self_consistent(cls):
    msg = example(cls)
    assert type(msg) is cls
    assert cls.model_validate_json(msg.model_dump_json()) == msg
    assert msg.subject and msg.key == msg.script_id


def test_all_examples_cover_the_catalog():
    assert [type(m) for m in all_examples()] == TYPES


# -- envelope round trip ------------------------------------------------------------------------


@ids
def test_round_trip_gives_an_equal_envelope(cls):
    env, record = record_of(cls)
    back = decode(record.headers, record.value)
    assert back == env
    assert (back.id, back.type, back.source, back.subject) == (env.id, env.type, env.source, env.subject)
    assert (back.correlation_id, back.causation_id) == (env.correlation_id, env.causation_id)
    assert back.time == env.time and back.time.microsecond == env.time.microsecond
    assert type(back.data) is cls and back.data == env.data
    assert record.topic == cls.topic
    assert record.key == env.data.script_id.encode()


@ids
def test_headers_carry_every_cloudevents_attribute(cls):
    env, record = record_of(cls)
    headers = record.header_dict()
    assert set(CE_HEADERS) <= set(headers)
    assert headers["content-type"] == "application/json"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == cls.ce_type
    assert headers["ce_subject"] == str(getattr(env.data, cls.subject_field))
    assert headers["ce_time"].endswith("Z")
    uuid.UUID(headers["ce_id"])
    assert all(isinstance(k, str) and isinstance(v, bytes) for k, v in record.headers)


def test_first_message_of_a_chain_has_no_causation_and_starts_the_correlation():
    env = new_envelope(example(CreateScript), source="gateway")
    record = encode(env)
    assert "ce_causationid" not in record.header_dict()
    assert record.header_dict()["ce_correlationid"] == env.id
    back = decode(record.headers, record.value)
    assert back.causation_id is None and back.correlation_id == env.id


def test_reaction_inherits_correlation_and_points_at_its_cause():
    cause = new_envelope(example(CreateScript), source="gateway", correlation_id="req-42")
    effect = new_envelope(example(ScriptCreated), source="script", causation=cause)
    assert effect.correlation_id == "req-42" and effect.causation_id == cause.id


def test_time_without_offset_is_read_as_utc():
    env, record = record_of(ScriptCreated)
    headers = [(k, b"2025-03-14T09:26:53.000001" if k == "ce_time" else v) for k, v in record.headers]
    assert decode(headers, record.value).time == datetime(2025, 3, 14, 9, 26, 53, 1, tzinfo=UTC)


# -- tolerance and errors -----------------------------------------------------------------------


@ids
def test_unknown_fields_are_ignored(cls):
    env, record = record_of(cls)
    payload = json.loads(record.value)
    payload["added_in_a_later_version"] = {"nested": [1, 2, 3]}
    for value in payload.values():
        if isinstance(value, dict):
            value["also_new"] = True
    back = decode(record.headers, json.dumps(payload).encode())
    assert back.data == env.data


@ids
def test_bad_json_is_a_decode_error(cls):
    _, record = record_of(cls)
    with pytest.raises(MessageDecodeError, match="Invalid JSON"):
        decode(record.headers, record.value[:-1])
    with pytest.raises(MessageDecodeError, match="object"):
        decode(record.headers, b"[]")


@ids
def test_missing_required_field_is_named(cls):
    _, record = record_of(cls)
    for name, field in cls.model_fields.items():
        if not field.is_required():
            continue
        payload = json.loads(record.value)
        del payload[name]
        with pytest.raises(MessageDecodeError) as err:
            decode(record.headers, json.dumps(payload).encode())
        assert re.search(rf"\b{name}: Field required", str(err.value)), str(err.value)
        assert cls.ce_type in str(err.value)


@ids
def test_wrong_type_is_named(cls):
    _, record = record_of(cls)
    for name in cls.model_fields:
        with pytest.raises(MessageDecodeError) as err:
            decode(record.headers, replace_value(record, **{name: [[None]]}))
        assert re.search(rf"\b{name}\b", str(err.value)), str(err.value)


def test_missing_ce_type_is_a_decode_error():
    _, record = record_of(ScriptCreated)
    with pytest.raises(MessageDecodeError, match="ce_type") as err:
        decode(without_header(record.headers, "ce_type"), record.value)
    assert not isinstance(err.value, UnknownMessageType)


@pytest.mark.parametrize(
    "ce_type", ["reelflow.script.created.v2", "com.example.something", "reelflow.script.exploded.v1"]
)
def test_unknown_ce_type_is_reported_as_such(ce_type):
    _, record = record_of(ScriptCreated)
    headers = [(k, ce_type.encode() if k == "ce_type" else v) for k, v in record.headers]
    with pytest.raises(UnknownMessageType) as err:
        decode(headers, record.value)
    assert err.value.ce_type == ce_type
    assert isinstance(err.value, MessageDecodeError)


@pytest.mark.parametrize("header", ["ce_id", "ce_source", "ce_specversion"])
def test_missing_required_attribute_is_a_decode_error(header):
    _, record = record_of(ScriptCreated)
    with pytest.raises(MessageDecodeError, match=header):
        decode(without_header(record.headers, header), record.value)


def test_wrong_content_type_and_empty_value_are_decode_errors():
    _, record = record_of(ScriptCreated)
    headers = [(k, b"application/xml" if k == "content-type" else v) for k, v in record.headers]
    with pytest.raises(MessageDecodeError, match="content-type"):
        decode(headers, record.value)
    with pytest.raises(MessageDecodeError, match="empty"):
        decode(record.headers, b"")


# -- field rules --------------------------------------------------------------------------------


def test_script_content_is_limited_in_utf8_bytes():
    base = example(CreateScript).model_dump()
    CreateScript(**{**base, "content": "a" * 200_000})
    with pytest.raises(ValidationError, match="content"):
        CreateScript(**{**base, "content": "a" * 200_001})
    with pytest.raises(ValidationError, match="200002 bytes"):
        CreateScript(**{**base, "content": "é" * 100_001})
    _, record = record_of(CreateScript)
    with pytest.raises(MessageDecodeError, match="content"):
        decode(record.headers, replace_value(record, content="€" * 70_000))


def test_update_script_must_change_something():
    with pytest.raises(ValidationError, match="nothing to update"):
        UpdateScript(script_id="s1")


def test_long_error_text_is_truncated_not_rejected():
    failed = ScriptGenerationFailed(script_id="s1", owner_id="u1", premise="p", error="x" * 10_000)
    assert len(failed.error) == 4000 and failed.error.endswith("…")


def test_media_keys_cannot_escape_their_prefix():
    base = example(rc.ImageGenerated).model_dump()
    for key in ("/etc/passwd", "images/../secrets.png", "images/a b.png"):
        with pytest.raises(ValidationError, match="media_key"):
            rc.ImageGenerated(**{**base, "media_key": key})


def test_video_options_default_and_sizes():
    assert CreateVideo(script_id="s1", video_id="v1").options == VideoOptions()
    assert VideoOptions().size == (1920, 1080)
    assert VideoOptions(aspect="9:16").size == (1080, 1920)
    assert VideoOptions(aspect="1:1", resolution="720p").size == (720, 720)
    assert VideoOptions(resolution="720p").size == (1280, 720)
    with pytest.raises(ValidationError, match="aspect"):
        VideoOptions(aspect="4:3")


def test_command_rejected_is_typed_for_the_commands_service():
    command = new_envelope(example(UpdateScript), source="gateway")
    rejection = rc.CommandRejected.of(command, code="not_draft", reason="The script is approved.")
    assert type(rejection) is ScriptCommandRejected
    assert (rejection.command_id, rejection.command_type) == (command.id, "reelflow.script.update_script.v1")
    assert rejection.script_id == command.data.script_id and rejection.subject == command.subject

    video = new_envelope(example(CreateVideo), source="gateway")
    missing = example(VideoCommandRejected).missing_shots
    rejection = rc.CommandRejected.of(video, code="images_missing", reason="1 shot missing", missing_shots=missing)
    assert type(rejection) is VideoCommandRejected and rejection.missing_shots == missing
    with pytest.raises(ValidationError, match="code"):
        rc.CommandRejected.of(command, code="Not Draft", reason="x")


# -- the stock CloudEvents SDK ------------------------------------------------------------------


@ids
def test_stock_cloudevents_sdk_reads_every_message(cls):
    from cloudevents.core.bindings import kafka as ce_kafka

    env, record = record_of(cls)
    event = ce_kafka.from_binary_event(
        ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    )
    assert event.get_specversion() == "1.0"
    assert event.get_type() == cls.ce_type
    assert event.get_source() == env.source
    assert event.get_id() == env.id
    assert event.get_subject() == env.subject
    assert event.get_time() == env.time
    assert event.get_datacontenttype() == "application/json"
    assert event.get_extension("correlationid") == env.correlation_id
    assert event.get_extension("causationid") == env.causation_id
    assert event.get_extension("partitionkey") == env.data.script_id
    assert event.get_data() == json.loads(record.value)
    assert cls.model_validate(event.get_data()) == env.data


def test_message_written_by_the_stock_sdk_decodes():
    from cloudevents.core.bindings import kafka as ce_kafka
    from cloudevents.core.v1.event import CloudEvent

    data = example(ScriptCreated)
    sent = CloudEvent(
        attributes={
            "type": ScriptCreated.ce_type,
            "source": "third-party",
            "subject": data.subject,
            "datacontenttype": "application/json",
            "correlationid": "corr-1",
            "causationid": "cause-1",
            "partitionkey": data.script_id,
        },
        data=json.loads(data.model_dump_json()),
    )
    message = ce_kafka.to_binary_event(sent)
    env = decode(list(message.headers.items()), message.value)
    assert isinstance(env, Envelope) and env.data == data
    assert (env.id, env.source) == (sent.get_id(), "third-party")
    assert (env.correlation_id, env.causation_id) == ("corr-1", "cause-1")
    assert env.time == sent.get_time()
    assert message.key == data.script_id


# -- AsyncAPI -----------------------------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(doc, ref):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_asyncapi_names_every_topic_and_message():
    doc = build_asyncapi()
    assert doc["asyncapi"].startswith("3.")
    addresses = {channel["address"]: channel for channel in doc["channels"].values()}
    assert set(ALL_TOPICS) <= set(addresses)
    assert "{group}.dlq" in addresses
    for cls in TYPES:
        message = doc["components"]["messages"][cls.__name__]
        assert message["x-ce-type"] == cls.ce_type
        assert cls.__name__ in addresses[cls.topic]["messages"]
        assert doc["components"]["schemas"][cls.__name__]["title"] == cls.__name__
    for topic in ALL_TOPICS:
        assert set(addresses[topic]["messages"]) == {c.__name__ for c in TYPES if c.topic == topic}
    headers = doc["components"]["schemas"]["CloudEventHeaders"]["properties"]
    assert set(CE_HEADERS) | {"content-type"} <= set(headers)


def test_asyncapi_references_all_resolve_and_it_is_json():
    doc = build_asyncapi()
    for ref in _refs(doc):
        assert ref.startswith("#/"), ref
        _resolve(doc, ref)
    assert json.loads(json.dumps(doc)) == doc


def test_asyncapi_module_prints_the_document():
    contracts_dir = Path(rc.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(contracts_dir), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-m", "reelflow_contracts.asyncapi"], capture_output=True, env=env, check=True, timeout=60
    )
    assert json.loads(out.stdout)["channels"]["scriptEvents"]["address"] == "script.events"
