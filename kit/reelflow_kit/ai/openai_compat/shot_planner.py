"""The OpenAI-compatible shot planner: the model storyboards the scene as structured JSON.

The model writes 1 to 6 shots (a one-line description, an image prompt, the part of the
scene's text each covers). What must stay consistent across a script is added here, not left
to the model: the script's style suffix ends every prompt, and the setting, time of day and
characters come from reading the scene locally. Durations are computed from the text each shot
covers, sharing the scene's reading time like the local planner does (models are unreliable
at arithmetic), so they add up the same way for both providers.
"""

from __future__ import annotations

import asyncio
import json

from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.characters import named_in
from reelflow_kit.ai.openai_compat.json_schema import strict_json_schema
from reelflow_kit.ai.openai_compat.structured_chat import StructuredChat
from reelflow_kit.ai.scene_reading import read_scene
from reelflow_kit.ai.segmentation import SceneText
from reelflow_kit.ai.shot_planning import (
    MAX_DESCRIPTION_CHARS,
    MAX_PROMPT_CHARS,
    PlannedShot,
    ScriptContext,
    ShotPlan,
    one_line,
)
from reelflow_kit.ai.timing import MAX_SHOTS, reading_seconds, share_duration, word_count

_CONFIG = ConfigDict(extra="ignore", frozen=True, json_schema_extra={"additionalProperties": False})
MAX_MODEL_PROMPT_CHARS = 3000
"""Room is left for the style suffix within the 4000 characters of a prompt."""

SYSTEM_PROMPT = f"""You are a storyboard artist. Plan the shots of one scene of a script for a narrated video:
1 to {MAX_SHOTS} shots, in order, together covering the whole scene. For each shot give:
- description: one line saying what the shot shows;
- image_prompt: a prompt for an image model: camera framing, who is seen (by name, with a few words on
  their look), what they do, the setting, the time of day and light, the mood. No dialogue, captions or
  any written text in the picture; do not name an art style (one is added for the whole script);
- narration: the scene's text this shot covers, copied in order, without sluglines, character cues or
  parentheticals; the narrations of all shots, joined, are the scene's text to be read aloud.
Answer with one JSON object that matches this JSON Schema, and nothing else:
"""


class ShotDraft(BaseModel):
    model_config = _CONFIG

    order: int = Field(ge=1, le=MAX_SHOTS)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    image_prompt: str = Field(min_length=1, max_length=MAX_MODEL_PROMPT_CHARS)
    narration: str = Field(max_length=200_000)

    @field_validator("description", "image_prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class ShotDrafts(BaseModel):
    """What the model answers: the scene's shots."""

    model_config = _CONFIG

    shots: list[ShotDraft] = Field(min_length=1, max_length=MAX_SHOTS)

    @model_validator(mode="after")
    def _ordered_from_one(self) -> ShotDrafts:
        orders = [shot.order for shot in self.shots]
        if orders != list(range(1, len(orders) + 1)):
            raise ValueError(f"shot orders must be 1, 2, 3, ... in sequence; got {orders}")
        return self


class OpenAIShotPlanner:
    def __init__(self, chat: StructuredChat) -> None:
        self._chat = chat

    async def plan_shots(self, scene: SceneText, *, context: ScriptContext) -> ShotPlan:
        result = await self._chat.complete(_messages(scene, context), ShotDrafts, schema_name="shot_plan")
        # reading a long scene is CPU work: keep it off the event loop
        return await asyncio.to_thread(shot_plan_of, result.value, scene, context, usage=result.usage)


def shot_plan_of(drafts: ShotDrafts, scene: SceneText, context: ScriptContext, *, usage: Usage) -> ShotPlan:
    """The model's shots with the script's look, the scene's setting and timing made consistent."""
    reading = read_scene(scene.text, context.characters)
    narrations = [" ".join(draft.narration.split()) for draft in drafts.shots]
    durations = share_duration(reading_seconds(reading.spoken_text), [word_count(n) for n in narrations])
    shots = []
    for draft, narration, duration in zip(drafts.shots, narrations, durations, strict=True):
        seen = f"{draft.description} {draft.image_prompt} {narration}"
        shots.append(
            PlannedShot(
                order=draft.order,
                description=one_line(draft.description, MAX_DESCRIPTION_CHARS),
                image_prompt=with_style(draft.image_prompt, context.style_suffix),
                duration_s=duration,
                narration=narration,
                characters=named_in(seen, context.characters),
            )
        )
    return ShotPlan(shots=shots, setting=reading.setting, time_of_day=reading.time_of_day, usage=usage)


def with_style(prompt: str, style_suffix: str) -> str:
    prompt = " ".join(prompt.split()).rstrip()
    if style_suffix and not prompt.endswith(style_suffix):
        prompt = f"{prompt.rstrip('.,;')}. {style_suffix}"
    return one_line(prompt, MAX_PROMPT_CHARS)


def _messages(scene: SceneText, context: ScriptContext) -> list[ChatCompletionMessageParam]:
    schema = json.dumps(strict_json_schema(ShotDrafts), separators=(",", ":"))
    facts = [
        f"Script title: {context.title}" if context.title else "",
        f"The script's characters: {', '.join(context.characters)}" if context.characters else "",
        f"Frame: {context.aspect}",
        f"Scene {scene.order}" + (f", heading: {scene.heading}" if scene.heading else ""),
    ]
    return [
        {"role": "system", "content": SYSTEM_PROMPT + schema},
        {
            "role": "user",
            "content": "\n".join(f for f in facts if f)
            + f"\nThe scene's text, between the lines of dashes:\n-----\n{scene.text}\n-----",
        },
    ]
