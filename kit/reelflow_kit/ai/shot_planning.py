"""Capability: plan an approved scene's shots, each with an image prompt and a duration.

    context = describe_script(title=..., owner_id=..., content=..., aspect="16:9")  # once per script
    plan = await planner.plan_shots(scene, context=context)                           # per scene
    plan.shots[0].image_prompt, plan.shots[0].duration_s, plan.setting, plan.usage

Both providers give 1 to MAX_SHOTS (100) shots, paced by `timing.Pacing`, whose durations come from the text each covers and add up to
the scene's reading time (see `timing`), and whose narrations, joined, are the scene's spoken
text as far as the provider keeps to it (the local one always does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import Aspect
from reelflow_kit.ai.characters import describe_characters, find_characters
from reelflow_kit.ai.looks import style_suffix_for
from reelflow_kit.ai.segmentation import SceneText
from reelflow_kit.ai.timing import MAX_SHOTS

MAX_DESCRIPTION_CHARS = 500
MAX_PROMPT_CHARS = 4000


@dataclass(frozen=True)
class ScriptContext:
    """What every shot of a script shares: its title, its characters and how the main ones look,
    one look for the pictures, the frame shape."""

    title: str = ""
    characters: tuple[str, ...] = ()
    style_suffix: str = ""
    aspect: Aspect = "16:9"
    looks: tuple[tuple[str, str], ...] = ()
    """(name, look) of the main characters: carried in every prompt they appear in, so every
    picture of a character shows the same person."""

    def looks_of(self, characters: tuple[str, ...]) -> str:
        """`Nora: 40s, oilskin coat; Eli: 70s` for those of `characters` with a look, or ""."""
        looks = dict(self.looks)
        return "; ".join(f"{name}: {looks[name]}" for name in characters if looks.get(name))


@dataclass(frozen=True)
class PlannedShot:
    order: int
    description: str
    """One line: what the shot shows."""
    image_prompt: str
    """For an image model: subject, setting, time of day, characters, mood, the script's look."""
    duration_s: float
    narration: str
    """The part of the scene's spoken text this shot covers."""
    characters: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShotPlan:
    shots: list[PlannedShot]
    setting: str = ""
    time_of_day: str = ""
    usage: Usage = field(default_factory=Usage)

    @property
    def duration_s(self) -> float:
        return round(sum(shot.duration_s for shot in self.shots), 1)


@runtime_checkable
class ShotPlanner(Protocol):
    async def plan_shots(self, scene: SceneText, *, context: ScriptContext) -> ShotPlan:
        """1 to MAX_SHOTS shots for `scene`. Raises AIProviderError when the provider gives up."""
        ...


def describe_script(*, title: str, owner_id: str, content: str, aspect: Aspect = "16:9") -> ScriptContext:
    """The context every shot of this script is planned in: characters found in the whole text,
    the looks of the main ones, and a style suffix chosen from the owner and title (the same
    script always gets the same)."""
    characters = find_characters(content)
    return ScriptContext(
        title=title,
        characters=characters,
        style_suffix=style_suffix_for(owner_id, title),
        aspect=aspect,
        looks=describe_characters(content, characters),
    )


def one_line(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary with an ellipsis to at most `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


__all__ = ["MAX_SHOTS", "PlannedShot", "ScriptContext", "ShotPlan", "ShotPlanner", "describe_script", "one_line"]
