"""Capability: write a script from a premise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.screenplay import Screenplay, clamp_title, render_screenplay

MIN_LOCAL_SCENES = 3
MAX_LOCAL_SCENES = 8


@dataclass(frozen=True)
class WrittenScript:
    """A screenplay-formatted script, ready for ScriptCreated (title and content fit its limits)."""

    title: str
    content: str
    usage: Usage = field(default_factory=Usage)


@runtime_checkable
class ScriptWriter(Protocol):
    async def write_script(
        self, premise: str, *, title_hint: str = "", target_scenes: int | None = None
    ) -> WrittenScript:
        """Write a draft from `premise`. `title_hint` (if any) is the title to use; `target_scenes`
        is a wish, not a promise. Raises AIProviderError when the provider gives up."""
        ...


def written(screenplay: Screenplay, *, title_hint: str, usage: Usage) -> WrittenScript:
    return WrittenScript(
        title=clamp_title(title_hint or screenplay.title),
        content=render_screenplay(screenplay),
        usage=usage,
    )
