"""The script service's handler decisions, with an in-memory unit of work (the integration
tests prove the same handlers on Kafka and MongoDB)."""

from __future__ import annotations

from datetime import UTC, datetime

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.script import (
    ApproveScript,
    CreateScript,
    GenerateScript,
    ScriptApproved,
    ScriptCreated,
    ScriptGenerationFailed,
    ScriptUpdated,
    UpdateScript,
)
from reelflow_kit.ai import AIProviderError, WrittenScript
from reelflow_script.domain import Script, Status
from reelflow_script.handlers import approve_script, create_script, generate_script_with, update_script
from tests.support.fakes import delivered
from tests.support.fakes.script import FakeScriptUnitOfWork

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DRAFT = Script.written_by_user("s1", "u1", "Harbor", "EXT. HARBOR - DAWN\n\nNora waits.", "16:9", AT)


def unit_for(command, *scripts: Script) -> FakeScriptUnitOfWork:
    return FakeScriptUnitOfWork(delivered(command), *scripts)


async def test_a_new_script_is_stored_as_a_draft_and_announced():
    cmd = CreateScript(script_id="s2", owner_id="u1", title="Kitchen", content="INT. KITCHEN - NIGHT\n\nTea.")
    uow = unit_for(cmd)
    await create_script(cmd, uow)
    [created] = uow.emitted
    assert isinstance(created, ScriptCreated) and (created.script_id, created.origin) == ("s2", "user")
    assert uow.scripts.by_id["s2"].status is Status.DRAFT and uow.commits == 1


async def test_a_fountain_title_page_titles_an_untitled_script_and_the_text_is_kept_whole():
    content = (
        "Title: Brick & Steel\n    Full Retired\nAuthor: Stu Maschwitz\n\nEXT. BRICK'S PATIO - DAY\n\nA gorgeous day.\n"
    )
    cmd = CreateScript(script_id="s3", owner_id="u1", content=content)
    uow = unit_for(cmd)
    await create_script(cmd, uow)
    [created] = uow.emitted
    assert (created.title, created.content) == ("Brick & Steel Full Retired", content)

    titled = CreateScript(script_id="s4", owner_id="u1", title="My own title", content=content)
    uow = unit_for(titled)
    await create_script(titled, uow)
    assert uow.emitted[0].title == "My own title"  # the writer's title wins


async def test_a_taken_id_is_refused_and_nothing_is_stored():
    cmd = CreateScript(script_id="s1", owner_id="u2", content="Something else.")
    uow = unit_for(cmd, DRAFT)
    await create_script(cmd, uow)
    assert uow.refusals == [("already_exists", "a script with id s1 already exists")]
    assert uow.scripts.by_id["s1"] is DRAFT


async def test_a_draft_is_edited_and_the_whole_new_state_is_announced():
    cmd = UpdateScript(script_id="s1", title="Harbor at dawn")
    uow = unit_for(cmd, DRAFT)
    await update_script(cmd, uow)
    [updated] = uow.emitted
    assert isinstance(updated, ScriptUpdated) and (updated.title, updated.content) == ("Harbor at dawn", DRAFT.content)


async def test_editing_an_unknown_or_approved_script_is_refused_with_its_reason():
    missing = UpdateScript(script_id="nope", title="x")
    uow = unit_for(missing)
    await update_script(missing, uow)
    assert uow.refusals == [("not_found", "there is no script nope")]

    approved = DRAFT.approved(AT)
    cmd = UpdateScript(script_id="s1", content="New text.")
    uow = unit_for(cmd, approved)
    await update_script(cmd, uow)
    assert [code for code, _ in uow.refusals] == ["not_draft"] and uow.scripts.by_id["s1"] is approved


async def test_approval_carries_the_content_and_a_second_one_is_refused():
    cmd = ApproveScript(script_id="s1")
    uow = unit_for(cmd, DRAFT)
    await approve_script(cmd, uow)
    [approved] = uow.emitted
    assert isinstance(approved, ScriptApproved) and approved.content == DRAFT.content

    again = unit_for(cmd, uow.scripts.by_id["s1"])
    await approve_script(cmd, again)
    assert [code for code, _ in again.refusals] == ["already_approved"]


class Writer:
    def __init__(self, outcome: WrittenScript | AIProviderError) -> None:
        self.outcome = outcome
        self.premises: list[str] = []

    async def write_script(self, premise: str, *, title_hint: str = "", target_scenes: int | None = None):
        self.premises.append(premise)
        if isinstance(self.outcome, AIProviderError):
            raise self.outcome
        return self.outcome


GENERATE = GenerateScript(script_id="s9", owner_id="u1", premise="A lighthouse keeper finds a letter.")


async def test_a_generated_script_takes_the_writers_title_when_none_was_given():
    writer = Writer(WrittenScript("The letter", "INT. LIGHTHOUSE - NIGHT\n\nA letter.", Usage(provider="local")))
    uow = unit_for(GENERATE)
    await generate_script_with(writer)(GENERATE, uow)
    [created] = uow.emitted
    assert (created.title, created.origin, created.premise) == ("The letter", "ai", GENERATE.premise)


async def test_a_taken_id_costs_no_ai_call():
    writer = Writer(WrittenScript("x", "y"))
    uow = unit_for(GENERATE, Script.written_by_user("s9", "u1", "", "Taken.", "16:9", AT))
    await generate_script_with(writer)(GENERATE, uow)
    assert writer.premises == [] and [code for code, _ in uow.refusals] == ["already_exists"]


async def test_a_provider_that_gives_up_is_a_visible_generation_failure_not_an_exception():
    writer = Writer(AIProviderError("rate_limited", "HTTP 429", attempts=3, usage=Usage(provider="openai")))
    uow = unit_for(GENERATE)
    await generate_script_with(writer)(GENERATE, uow)
    [failed] = uow.emitted
    assert isinstance(failed, ScriptGenerationFailed)
    assert (failed.code, failed.error, failed.attempts, failed.final) == ("rate_limited", "HTTP 429", 3, True)
    assert "s9" not in uow.scripts.by_id
