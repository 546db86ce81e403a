"""The script service in process against the real broker and MongoDB, observed from outside
(reading `script.events` like any other consumer would)."""

from __future__ import annotations

import re

import pytest

from reelflow_contracts.envelope import Envelope, decode, new_envelope
from reelflow_contracts.messages.base import Command, Event
from reelflow_contracts.messages.script import (
    ApproveScript,
    CreateScript,
    GenerateScript,
    ScriptApproved,
    ScriptCommandRejected,
    ScriptCreated,
    ScriptGenerationFailed,
    ScriptUpdated,
    UpdateScript,
)
from reelflow_contracts.topics import SCRIPT_EVENTS, dead_letter_topic
from reelflow_kit.runtime import ServiceRuntime
from reelflow_script.bootstrap import build
from reelflow_script.settings import Settings
from tests.support.fake_openai import CHAT, FakeOpenAI, completion, error
from tests.support.in_process import service_starter
from tests.support.kafka import read_topic

CONTENT = "INT. LIGHTHOUSE - NIGHT\n\nMARA climbs the stairs.\n\n                      MARA\n          Who's there?\n"
PREMISE = "A retired lighthouse keeper named Mara finds a message in a bottle from her younger self."
SLUGLINE = re.compile(r"^(INT|EXT)\. .+ - [A-Z]+$", re.MULTILINE)


@pytest.fixture
async def start_service(infra, unique):
    """Starts the script service (consumer group `script-service`) on a database of this test's own."""
    async with service_starter(infra, Settings, build, f"script_{unique}") as start:
        yield start


@pytest.fixture
def script_id(unique) -> str:
    return f"script-{unique}"


async def send(service: ServiceRuntime, command: Command) -> Envelope:
    envelope = new_envelope(command, source="gateway")
    await service.publish(envelope)
    return envelope


async def events_of(infra, script_id: str, count: int) -> list[Envelope[Event]]:
    """The first `count` events about `script_id` on script.events (other tests' events are skipped)."""

    def about(records) -> list[Envelope]:
        return [decode(r.headers, r.value) for r in records if r.key == script_id.encode()]

    records = await read_topic(
        infra.kafka_bootstrap, SCRIPT_EVENTS, until=lambda rs: len(about(rs)) >= count, timeout=30
    )
    found = about(records)
    assert len(found) >= count, f"expected {count} events for {script_id}, got {[e.type for e in found]}"
    return found[:count]


def create(script_id: str, **fields) -> CreateScript:
    return CreateScript(
        **{
            "script_id": script_id,
            "owner_id": "user-1",
            "title": "Tides",
            "content": CONTENT,
            "requested_by": "user-1",
            **fields,
        }
    )


async def test_create_stores_a_draft_and_emits_script_created(infra, start_service, script_id):
    service = await start_service()
    command = await send(service, create(script_id, aspect="9:16"))

    [created] = await events_of(infra, script_id, 1)
    event = created.data
    assert isinstance(event, ScriptCreated)
    assert (event.owner_id, event.title, event.content, event.origin, event.aspect, event.premise) == (
        "user-1",
        "Tides",
        CONTENT,
        "user",
        "9:16",
        None,
    )
    assert event.usage.input_tokens == 0
    assert created.source == "script"
    assert created.causation_id == command.id and created.correlation_id == command.correlation_id
    stored = await service.db.scripts.find_one({"_id": script_id})
    assert (stored["status"], stored["origin"], stored["content"]) == ("draft", "user", CONTENT)
    assert stored["created_at"] == event.created_at


async def test_update_emits_the_drafts_full_new_state(infra, start_service, script_id):
    service = await start_service()
    await send(service, create(script_id))
    await send(service, UpdateScript(script_id=script_id, title="Undertow"))

    created, updated = await events_of(infra, script_id, 2)
    assert isinstance(updated.data, ScriptUpdated)
    assert (updated.data.title, updated.data.content, updated.data.aspect) == ("Undertow", CONTENT, "16:9")
    assert updated.data.updated_at >= created.data.created_at


async def test_approve_emits_script_approved_carrying_the_latest_content(infra, start_service, script_id):
    service = await start_service()
    await send(service, create(script_id))
    await send(service, UpdateScript(script_id=script_id, content="EXT. HARBOR - DAWN\n\nGulls.\n"))
    await send(service, ApproveScript(script_id=script_id))

    *_, approved = await events_of(infra, script_id, 3)
    assert isinstance(approved.data, ScriptApproved)
    assert (approved.data.owner_id, approved.data.title, approved.data.content) == (
        "user-1",
        "Tides",
        "EXT. HARBOR - DAWN\n\nGulls.\n",
    )
    stored = await service.db.scripts.find_one({"_id": script_id})
    assert stored["status"] == "approved" and stored["approved_at"] == approved.data.approved_at


async def test_approving_twice_is_rejected_with_already_approved(infra, start_service, script_id):
    service = await start_service()
    await send(service, create(script_id))
    await send(service, ApproveScript(script_id=script_id))
    again = await send(service, ApproveScript(script_id=script_id))

    _, _, rejected = await events_of(infra, script_id, 3)
    assert isinstance(rejected.data, ScriptCommandRejected)
    assert rejected.data.code == "already_approved"
    assert rejected.data.command_id == again.id
    assert rejected.data.command_type == ApproveScript.ce_type
    assert rejected.data.target_id == script_id and rejected.subject == script_id
    assert "already approved" in rejected.data.reason
    assert rejected.causation_id == again.id


async def test_editing_an_approved_script_is_rejected_and_changes_nothing(infra, start_service, script_id):
    service = await start_service()
    await send(service, create(script_id))
    await send(service, ApproveScript(script_id=script_id))
    edit = await send(service, UpdateScript(script_id=script_id, content="INT. ATTIC - DAY\n\nToo late.\n"))

    _, _, rejected = await events_of(infra, script_id, 3)
    assert isinstance(rejected.data, ScriptCommandRejected)
    assert (rejected.data.code, rejected.data.command_id) == ("not_draft", edit.id)
    assert rejected.data.command_type == UpdateScript.ce_type
    stored = await service.db.scripts.find_one({"_id": script_id})
    assert stored["content"] == CONTENT and stored["status"] == "approved"


async def test_commands_for_an_unknown_script_are_rejected_with_not_found(infra, start_service, script_id):
    service = await start_service()
    edit = await send(service, UpdateScript(script_id=script_id, title="Ghost"))
    approve = await send(service, ApproveScript(script_id=script_id))

    first, second = await events_of(infra, script_id, 2)
    assert [(e.data.code, e.data.command_id) for e in (first, second)] == [
        ("not_found", edit.id),
        ("not_found", approve.id),
    ]
    assert script_id in first.data.reason
    assert await service.db.scripts.count_documents({}) == 0


async def test_creating_an_existing_id_again_is_rejected_with_already_exists(infra, start_service, script_id):
    service = await start_service()
    await send(service, create(script_id))
    await send(service, create(script_id, title="Impostor", owner_id="user-2"))

    created, rejected = await events_of(infra, script_id, 2)
    assert isinstance(created.data, ScriptCreated)
    assert rejected.data.code == "already_exists"
    stored = await service.db.scripts.find_one({"_id": script_id})
    assert (stored["title"], stored["owner_id"]) == ("Tides", "user-1")


async def test_a_command_delivered_twice_is_applied_once(infra, start_service, script_id):
    service = await start_service()
    command = new_envelope(create(script_id), source="gateway")
    await service.publish(command)
    await service.publish(command)  # a redelivery: the same ce_id
    await send(service, ApproveScript(script_id=script_id))  # same key, so it is handled after both

    events = await events_of(infra, script_id, 2)
    assert [type(e.data) for e in events] == [ScriptCreated, ScriptApproved]
    records = await read_topic(infra.kafka_bootstrap, SCRIPT_EVENTS, timeout=5, idle=1.0)
    mine = [decode(r.headers, r.value) for r in records if r.key == script_id.encode()]
    assert [type(e.data) for e in mine] == [ScriptCreated, ScriptApproved]


async def test_generate_with_the_local_provider_creates_an_ai_draft(infra, start_service, script_id):
    service = await start_service()
    await send(service, GenerateScript(script_id=script_id, owner_id="user-1", premise=PREMISE, target_scenes=4))

    [created] = await events_of(infra, script_id, 1)
    event = created.data
    assert isinstance(event, ScriptCreated)
    assert (event.origin, event.premise, event.usage.provider) == ("ai", PREMISE, "local")
    assert event.title and len(SLUGLINE.findall(event.content)) == 4
    assert "Mara" in event.content and "lighthouse" in event.content
    stored = await service.db.scripts.find_one({"_id": script_id})
    assert (stored["origin"], stored["status"], stored["premise"]) == ("ai", "draft", PREMISE)


async def test_generate_with_openai_records_token_usage_and_skips_the_ai_for_a_taken_id(
    infra, start_service, script_id
):
    screenplay = {
        "title": "Salt Letters",
        "scenes": [
            {
                "slugline": "INT. LIGHTHOUSE - NIGHT",
                "beats": [{"kind": "action", "character": "", "parenthetical": "", "text": "Mara uncorks the bottle."}],
            }
        ],
    }
    with FakeOpenAI() as fake:
        fake.chat.reply(completion(screenplay, prompt_tokens=410, completion_tokens=1337))
        service = await start_service(ai_provider="openai", openai_base_url=fake.url, openai_model="writer-large")
        await send(service, GenerateScript(script_id=script_id, owner_id="user-1", premise=PREMISE, title="Salt"))
        again = await send(service, GenerateScript(script_id=script_id, owner_id="user-1", premise="Another idea."))

        created, rejected = await events_of(infra, script_id, 2)
        assert len(fake.requests_to(CHAT)) == 1
    assert isinstance(created.data, ScriptCreated)
    assert (created.data.title, created.data.origin) == ("Salt", "ai")
    assert "INT. LIGHTHOUSE - NIGHT" in created.data.content
    usage = created.data.usage
    assert (usage.provider, usage.model, usage.input_tokens, usage.output_tokens) == (
        "openai",
        "writer-large",
        410,
        1337,
    )
    assert (rejected.data.code, rejected.data.command_id) == ("already_exists", again.id)


async def test_generate_with_openai_failing_persistently_emits_script_generation_failed(
    infra, start_service, script_id
):
    with FakeOpenAI() as fake:
        fake.chat.always(error(500, "the upstream model is on fire"))
        service = await start_service(
            ai_provider="openai", openai_base_url=fake.url, openai_max_retries=2, openai_backoff_s=0.01
        )
        await send(service, GenerateScript(script_id=script_id, owner_id="user-1", premise=PREMISE, title="Salt"))

        [failed] = await events_of(infra, script_id, 1)
        assert len(fake.requests_to(CHAT)) == 3
    event = failed.data
    assert isinstance(event, ScriptGenerationFailed)
    assert (event.owner_id, event.premise, event.title, event.stage) == ("user-1", PREMISE, "Salt", "script")
    assert (event.code, event.attempts, event.final) == ("provider_unavailable", 3, True)
    assert "HTTP 500: the upstream model is on fire" in event.error
    assert await service.db.scripts.count_documents({}) == 0


async def test_a_command_whose_event_would_not_fit_the_bus_is_rejected_and_the_queue_goes_on(
    infra, start_service, script_id
):
    service = await start_service(kafka_max_record_bytes=20_000)
    await send(service, create(script_id))
    too_large = await send(service, UpdateScript(script_id=script_id, content="INT. SEA - DAY\n\n" + "wave " * 6000))
    await send(service, UpdateScript(script_id=script_id, title="Undertow"))

    created, rejected, updated = await events_of(infra, script_id, 3)
    assert isinstance(rejected.data, ScriptCommandRejected)
    assert (rejected.data.command_id, rejected.data.code) == (too_large.id, "dead_lettered")
    assert "more than the 20000 bytes the bus carries" in rejected.data.reason
    assert isinstance(updated.data, ScriptUpdated) and updated.data.content == CONTENT  # nothing of it committed
    dead = await read_topic(
        infra.kafka_bootstrap,
        dead_letter_topic("script-service"),
        until=lambda rs: any(r.key == script_id.encode() for r in rs),
        timeout=30,
    )
    [record] = [r for r in dead if r.key == script_id.encode()]
    assert "RecordTooLarge" in dict(record.headers)["x-dlq-error"].decode()
