"""CreateScript, UpdateScript and ApproveScript: load the script in the unit of work, apply the
domain rule, save, and emit exactly one event: the outcome, or a ScriptCommandRejected
(committed with the inbox record like any outcome, so a redelivery answers nothing twice)."""

from __future__ import annotations

from reelflow_contracts.messages.script import (
    ApproveScript,
    CreateScript,
    ScriptApproved,
    ScriptCreated,
    ScriptUpdated,
    UpdateScript,
)
from reelflow_kit.ai.fountain import read_title_page
from reelflow_kit.clock import now
from reelflow_script.domain import Script
from reelflow_script.unit_of_work import ScriptUnitOfWork


def not_found(script_id: str) -> str:
    return f"there is no script {script_id}"


def already_exists(script_id: str) -> str:
    return f"a script with id {script_id} already exists"


MAX_TITLE_CHARS = 200


def title_page_title(content: str) -> str:
    """The title a Fountain title page gives (`Title: ...`), on one line; "" without one."""
    title = read_title_page(content).title
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1].rstrip() + "…"


async def create_script(cmd: CreateScript, uow: ScriptUnitOfWork) -> None:
    async with uow:
        if await uow.scripts.exists(cmd.script_id):
            uow.refuse("already_exists", already_exists(cmd.script_id))
            return
        title = cmd.title or title_page_title(cmd.content)
        script = Script.written_by_user(cmd.script_id, cmd.owner_id, title, cmd.content, cmd.aspect, now())
        await uow.scripts.add(script)
        uow.emit(created_event(script))


async def update_script(cmd: UpdateScript, uow: ScriptUnitOfWork) -> None:
    async with uow:
        script = await uow.scripts.get(cmd.script_id)
        if script is None:
            uow.refuse("not_found", not_found(cmd.script_id))
            return
        script = uow.obeying(script.edited, title=cmd.title, content=cmd.content, aspect=cmd.aspect, at=now())
        if script is None:
            return
        await uow.scripts.save(script)
        uow.emit(
            ScriptUpdated(
                script_id=script.id,
                title=script.title,
                content=script.content,
                aspect=script.aspect,
                updated_at=script.updated_at,
            )
        )


async def approve_script(cmd: ApproveScript, uow: ScriptUnitOfWork) -> None:
    async with uow:
        script = await uow.scripts.get(cmd.script_id)
        if script is None:
            uow.refuse("not_found", not_found(cmd.script_id))
            return
        approved_at = now()
        script = uow.obeying(script.approved, at=approved_at)
        if script is None:
            return
        await uow.scripts.save(script)
        uow.emit(
            ScriptApproved(
                script_id=script.id,
                owner_id=script.owner_id,
                title=script.title,
                content=script.content,
                aspect=script.aspect,
                approved_at=approved_at,
            )
        )


def created_event(script: Script) -> ScriptCreated:
    return ScriptCreated(
        script_id=script.id,
        owner_id=script.owner_id,
        title=script.title,
        content=script.content,
        origin=script.origin,
        aspect=script.aspect,
        premise=script.premise,
        created_at=script.created_at,
        usage=script.usage,
    )
