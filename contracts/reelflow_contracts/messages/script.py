"""Script service messages: commands on `script.commands`, events on `script.events`.

A script is `draft` until approved, then `approved` (and no longer editable). Its approval
starts the chain: ScriptApproved carries the text the scene service segments.
"""

from __future__ import annotations

from pydantic import AwareDatetime, Field, model_validator

from reelflow_contracts.messages.base import Command, Event, Usage, message
from reelflow_contracts.messages.common import (
    Aspect,
    Code,
    CommandRejected,
    ErrorText,
    Id,
    Origin,
    Premise,
    ScriptText,
    Stage,
    Title,
)
from reelflow_contracts.topics import SCRIPT_COMMANDS, SCRIPT_EVENTS

__all__ = [
    "CreateScript",
    "GenerateScript",
    "UpdateScript",
    "ApproveScript",
    "ScriptCreated",
    "ScriptUpdated",
    "ScriptApproved",
    "ScriptGenerationFailed",
    "ScriptCommandRejected",
]


# -- commands ---------------------------------------------------------------------------------


@message("reelflow.script.create_script.v1", topic=SCRIPT_COMMANDS)
class CreateScript(Command):
    """Gateway -> script service: store a user's script as a new draft (id chosen by the gateway)."""

    owner_id: Id
    title: Title = ""
    content: ScriptText
    aspect: Aspect = Field(default="16:9", description="frame shape its images are drawn for")


@message("reelflow.script.generate_script.v1", topic=SCRIPT_COMMANDS)
class GenerateScript(Command):
    """Gateway -> script service: have the AI write a draft script from a premise."""

    owner_id: Id
    premise: Premise
    title: Title = Field(default="", description="empty: the AI proposes one")
    aspect: Aspect = "16:9"
    target_scenes: int | None = Field(default=None, ge=1, le=100, description="a hint, not a promise")


@message("reelflow.script.update_script.v1", topic=SCRIPT_COMMANDS)
class UpdateScript(Command):
    """Gateway -> script service: edit a draft's title and/or content (rejected once approved)."""

    title: Title | None = None
    content: ScriptText | None = None
    aspect: Aspect | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> UpdateScript:
        if self.title is None and self.content is None and self.aspect is None:
            raise ValueError("nothing to update: give title, content or aspect")
        return self


@message("reelflow.script.approve_script.v1", topic=SCRIPT_COMMANDS)
class ApproveScript(Command):
    """Gateway (user or operation) -> script service: approve a draft, which starts segmentation."""


# -- events -----------------------------------------------------------------------------------


@message("reelflow.script.created.v1", topic=SCRIPT_EVENTS)
class ScriptCreated(Event):
    """Script service, after CreateScript or a successful GenerateScript: a new draft exists."""

    owner_id: Id
    title: Title
    content: ScriptText
    origin: Origin
    aspect: Aspect = "16:9"
    premise: Premise | None = Field(default=None, description="the premise, when origin is ai")
    created_at: AwareDatetime
    usage: Usage = Field(default_factory=Usage, description="AI usage of the writing (zero for user scripts)")


@message("reelflow.script.updated.v1", topic=SCRIPT_EVENTS)
class ScriptUpdated(Event):
    """Script service, after UpdateScript: the draft's full new state."""

    title: Title
    content: ScriptText
    aspect: Aspect = "16:9"
    updated_at: AwareDatetime


@message("reelflow.script.approved.v1", topic=SCRIPT_EVENTS)
class ScriptApproved(Event):
    """Script service, after ApproveScript: the script is final; the scene service segments it."""

    owner_id: Id
    title: Title
    content: ScriptText
    aspect: Aspect = "16:9"
    approved_at: AwareDatetime


@message("reelflow.script.generation_failed.v1", topic=SCRIPT_EVENTS)
class ScriptGenerationFailed(Event):
    """Script service, when GenerateScript gave up (provider errors past the retry bound, invalid output).

    Carries the owner and premise so the gateway can show the failed request without a ScriptCreated.
    """

    owner_id: Id
    premise: Premise
    title: Title = ""
    stage: Stage = "script"
    code: Code = "generation_failed"
    error: ErrorText
    final: bool = Field(default=True, description="false: the service is still retrying")
    attempts: int = Field(default=1, ge=1)
    usage: Usage = Field(default_factory=Usage)


@message("reelflow.script.command_rejected.v1", topic=SCRIPT_EVENTS, subject="target_id")
class ScriptCommandRejected(CommandRejected):
    """Script service, when a script command is refused (e.g. `not_draft`, `not_found`)."""
