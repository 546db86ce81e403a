"""One handler per script command.

Each handler loads the script through the repository inside the transaction, applies the
domain rule, saves, and emits exactly one event: the outcome, or a ScriptCommandRejected
(committed with the inbox record like any outcome, so a redelivery answers nothing twice).
GenerateScript calls the AI provider first, outside the transaction, and reports a provider
that gave up as ScriptGenerationFailed instead of raising (raising would dead-letter it).
"""

from __future__ import annotations

import logging

from reelflow_contracts.messages.common import CommandRejected
from reelflow_contracts.messages.script import (
    ApproveScript, CreateScript, GenerateScript, ScriptApproved, ScriptCreated, ScriptGenerationFailed,
    ScriptUpdated, UpdateScript,
)
from reelflow_kit.ai import AIProviderError, ScriptWriter, WrittenScript
from reelflow_kit.handling import Handler, HandlerContext, Transaction
from reelflow_script.adapters.mongo_repository import MongoScriptRepository
from reelflow_script.domain import Script, ScriptRuleBroken
from reelflow_kit.clock import now

log = logging.getLogger(__name__)


def reject(ctx: HandlerContext, tx: Transaction, code: str, reason: str) -> None:
    log.info("command rejected", extra={"code": code, "reason": reason, "ce_type": ctx.envelope.type})
    tx.emit(CommandRejected.of(ctx.envelope, code=code, reason=reason))


def not_found(script_id: str) -> str:
    return f"there is no script {script_id}"


def already_exists(script_id: str) -> str:
    return f"a script with id {script_id} already exists"


async def create_script(ctx: HandlerContext[CreateScript]) -> None:
    cmd = ctx.message
    async with ctx.transaction() as tx:
        scripts = MongoScriptRepository(tx.db, tx.session)
        if await scripts.exists(cmd.script_id):
            reject(ctx, tx, "already_exists", already_exists(cmd.script_id))
            return
        script = Script.written_by_user(cmd.script_id, cmd.owner_id, cmd.title, cmd.content, cmd.aspect, now())
        await scripts.add(script)
        tx.emit(created_event(script))


async def update_script(ctx: HandlerContext[UpdateScript]) -> None:
    cmd = ctx.message
    async with ctx.transaction() as tx:
        scripts = MongoScriptRepository(tx.db, tx.session)
        script = await scripts.get(cmd.script_id)
        if script is None:
            reject(ctx, tx, "not_found", not_found(cmd.script_id))
            return
        try:
            script = script.edited(title=cmd.title, content=cmd.content, aspect=cmd.aspect, at=now())
        except ScriptRuleBroken as broken:
            reject(ctx, tx, broken.code, broken.reason)
            return
        await scripts.save(script)
        tx.emit(ScriptUpdated(script_id=script.id, title=script.title, content=script.content,
                              aspect=script.aspect, updated_at=script.updated_at))


async def approve_script(ctx: HandlerContext[ApproveScript]) -> None:
    cmd = ctx.message
    async with ctx.transaction() as tx:
        scripts = MongoScriptRepository(tx.db, tx.session)
        script = await scripts.get(cmd.script_id)
        if script is None:
            reject(ctx, tx, "not_found", not_found(cmd.script_id))
            return
        try:
            script = script.approved(at=now())
        except ScriptRuleBroken as broken:
            reject(ctx, tx, broken.code, broken.reason)
            return
        await scripts.save(script)
        tx.emit(ScriptApproved(script_id=script.id, owner_id=script.owner_id, title=script.title,
                               content=script.content, aspect=script.aspect, approved_at=script.approved_at))


def generate_script_with(writer: ScriptWriter) -> Handler:
    async def generate_script(ctx: HandlerContext[GenerateScript]) -> None:
        cmd = ctx.message
        taken = await MongoScriptRepository(ctx.db).exists(cmd.script_id)  # no AI call for a taken id
        outcome = None if taken else await write(writer, cmd)
        async with ctx.transaction() as tx:
            scripts = MongoScriptRepository(tx.db, tx.session)
            if outcome is None or await scripts.exists(cmd.script_id):
                reject(ctx, tx, "already_exists", already_exists(cmd.script_id))
            elif isinstance(outcome, AIProviderError):
                tx.emit(generation_failed_event(cmd, outcome))
            else:
                script = Script.written_by_ai(cmd.script_id, cmd.owner_id, cmd.title or outcome.title,
                                              outcome.content, cmd.aspect, cmd.premise, outcome.usage, now())
                await scripts.add(script)
                tx.emit(created_event(script))

    return generate_script


async def write(writer: ScriptWriter, cmd: GenerateScript) -> WrittenScript | AIProviderError:
    try:
        return await writer.write_script(cmd.premise, title_hint=cmd.title, target_scenes=cmd.target_scenes)
    except AIProviderError as failure:
        log.warning("script generation failed", extra={"code": failure.code, "error": failure.message})
        return failure


def generation_failed_event(cmd: GenerateScript, failure: AIProviderError) -> ScriptGenerationFailed:
    return ScriptGenerationFailed(
        script_id=cmd.script_id, owner_id=cmd.owner_id, premise=cmd.premise, title=cmd.title, stage="script",
        code=failure.code, error=failure.message, final=True, attempts=max(1, failure.attempts), usage=failure.usage)


def created_event(script: Script) -> ScriptCreated:
    return ScriptCreated(script_id=script.id, owner_id=script.owner_id, title=script.title, content=script.content,
                         origin=script.origin, aspect=script.aspect, premise=script.premise,
                         created_at=script.created_at, usage=script.usage)
