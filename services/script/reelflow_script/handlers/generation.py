"""GenerateScript: the AI writes the script from a premise, before the unit of work opens (and
not at all when the id is taken). A provider that gives up becomes ScriptGenerationFailed rather
than an exception, which would dead-letter the command; nothing is stored for it, so the same id
can be generated again."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from reelflow_contracts.messages.script import GenerateScript, ScriptGenerationFailed
from reelflow_kit.ai import AIProviderError, ScriptWriter, WrittenScript
from reelflow_kit.clock import now
from reelflow_script.domain import Script
from reelflow_script.handlers.script_commands import already_exists, created_event
from reelflow_script.unit_of_work import ScriptUnitOfWork

log = logging.getLogger(__name__)


def generate_script_with(writer: ScriptWriter) -> Callable[[GenerateScript, ScriptUnitOfWork], Awaitable[None]]:
    async def generate_script(cmd: GenerateScript, uow: ScriptUnitOfWork) -> None:
        taken = await uow.scripts.exists(cmd.script_id)  # no AI call for a taken id
        outcome = None if taken else await write(writer, cmd)
        async with uow:
            if outcome is None or await uow.scripts.exists(cmd.script_id):
                uow.refuse("already_exists", already_exists(cmd.script_id))
            elif isinstance(outcome, AIProviderError):
                uow.emit(generation_failed_event(cmd, outcome))
            else:
                script = Script.written_by_ai(
                    cmd.script_id,
                    cmd.owner_id,
                    cmd.title or outcome.title,
                    outcome.content,
                    cmd.aspect,
                    cmd.premise,
                    outcome.usage,
                    now(),
                )
                await uow.scripts.add(script)
                uow.emit(created_event(script))

    return generate_script


async def write(writer: ScriptWriter, cmd: GenerateScript) -> WrittenScript | AIProviderError:
    try:
        return await writer.write_script(cmd.premise, title_hint=cmd.title, target_scenes=cmd.target_scenes)
    except AIProviderError as failure:
        log.warning("script generation failed", extra={"code": failure.code, "error": failure.message})
        return failure


def generation_failed_event(cmd: GenerateScript, failure: AIProviderError) -> ScriptGenerationFailed:
    return ScriptGenerationFailed(
        script_id=cmd.script_id,
        owner_id=cmd.owner_id,
        premise=cmd.premise,
        title=cmd.title,
        stage="script",
        code=failure.code,
        error=failure.message,
        final=True,
        attempts=max(1, failure.attempts),
        usage=failure.usage,
    )
