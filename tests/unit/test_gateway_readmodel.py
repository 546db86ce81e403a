"""How events become command outcomes (pure logic, no servers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from reelflow_contracts import (
    CreateScript,
    ScriptCommandRejected,
    ScriptCreated,
    ScriptGenerationFailed,
    UpdateScript,
    new_envelope,
)
from reelflow_contracts.messages.common import CommandRejected
from reelflow_gateway.commands import answer_topic
from reelflow_gateway.readmodel.outcomes import Outcome, OutcomeWaiters
from reelflow_gateway.readmodel.projector import applied, generation_failed, projections, rejected, rejection_types

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def command():
    return new_envelope(
        CreateScript(script_id="s1", owner_id="u1", requested_by="u1", content="text"),
        source="gateway",
        correlation_id="req-1",
    )


def test_an_event_answers_the_command_that_caused_it() -> None:
    cmd = command()
    event = new_envelope(
        ScriptCreated(script_id="s1", owner_id="u1", title="", content="text", origin="user", created_at=NOW),
        source="script",
        causation=cmd,
    )
    outcome = applied(event)
    assert outcome == Outcome(
        command_id=cmd.id, status="applied", subject="s1", event_type="reelflow.script.created.v1", at=event.time
    )
    assert event.correlation_id == "req-1"


def test_an_event_nobody_asked_for_answers_nothing() -> None:
    event = new_envelope(
        ScriptCreated(script_id="s1", owner_id="u1", title="", content="text", origin="user", created_at=NOW),
        source="script",
    )
    assert applied(event) is None


def test_a_rejection_answers_its_command_with_code_and_reason() -> None:
    cmd = new_envelope(UpdateScript(script_id="s1", content="x"), source="gateway")
    rejection = CommandRejected.of(cmd, code="not_draft", reason="script s1 is approved")
    assert isinstance(rejection, ScriptCommandRejected)
    outcome = rejected(new_envelope(rejection, source="script", causation=cmd))
    assert (outcome.command_id, outcome.status, outcome.code, outcome.reason, outcome.subject) == (
        cmd.id,
        "rejected",
        "not_draft",
        "script s1 is approved",
        "s1",
    )


def test_only_a_final_generation_failure_answers() -> None:
    cmd = command()

    def failure(final: bool):
        return new_envelope(
            ScriptGenerationFailed(
                script_id="s1", owner_id="u1", premise="p", code="rate_limited", error="429 from provider", final=final
            ),
            source="script",
            causation=cmd,
        )

    assert generation_failed(failure(final=False)) is None
    outcome = generation_failed(failure(final=True))
    assert (outcome.status, outcome.code, outcome.reason) == ("failed", "rate_limited", "429 from provider")


def test_outcome_document_round_trip() -> None:
    outcome = Outcome(
        command_id="c1", status="rejected", subject="s1", event_type="t", at=NOW, code="not_draft", reason="no"
    )
    assert Outcome.from_doc(outcome.to_doc()) == outcome


def test_every_services_rejection_is_projected() -> None:
    types = rejection_types()
    assert {t.__name__ for t in types} >= {
        "ScriptCommandRejected",
        "SceneCommandRejected",
        "ImageCommandRejected",
        "VideoCommandRejected",
    }
    table = projections()
    assert all(table[t] == (None, rejected) for t in types)
    assert ScriptCreated in table and ScriptGenerationFailed in table


def test_waiters_wake_only_their_own_request() -> None:
    async def scenario() -> None:
        waiters = OutcomeWaiters()
        mine, other = waiters.register("c1"), waiters.register("c2")
        outcome = Outcome(command_id="c1", status="applied", subject="s1", event_type="t", at=NOW)
        waiters.resolve(outcome, {"_id": "s1"})
        waiters.resolve(outcome)  # a redelivery after the answer changes nothing
        waiters.resolve(None)
        assert mine.result() == (outcome, {"_id": "s1"}) and not other.done()
        waiters.discard("c1")
        waiters.discard("c2")
        assert len(waiters) == 0

    asyncio.run(scenario())


def test_commands_are_answered_on_their_services_events_topic() -> None:
    assert answer_topic("script.commands") == "script.events"
    assert answer_topic("video.commands") == "video.events"
