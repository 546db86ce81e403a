"""The OpenAI-compatible shot planner: the model storyboards the scene as structured JSON.

The model writes the shots (a one-line description, an image prompt, the part of the scene's
text each covers), asked for about as many as the scene's reading time needs at the pacing's
shot lengths. What must stay consistent across a script is added here, not left to the model:
the script's style suffix ends every prompt, the looks of the main characters named in a shot
follow its prompt (the same for every shot), and the setting, time of day and characters come
from reading the scene locally. Durations are computed from the text each shot covers, sharing
the scene's reading time like the local planner does (models are unreliable at arithmetic), so
they add up the same way for both providers. The pacing is enforced on the answer: a shot whose
text takes longer than the longest shot to read is cut into even pieces (at clause breaks),
each drawn from the same prompt seen from another angle; when the shots are too many for the
scene's time at the shortest length, or more than `max_shots`, the shortest neighbours are
joined.
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
from reelflow_kit.ai.scene_reading import read_scene, spoken_text
from reelflow_kit.ai.segmentation import SceneText
from reelflow_kit.ai.shot_planning import (
    MAX_DESCRIPTION_CHARS,
    MAX_PROMPT_CHARS,
    PlannedShot,
    ScriptContext,
    ShotPlan,
    one_line,
)
from reelflow_kit.ai.timing import (
    DEFAULT_PACING,
    MAX_SHOTS,
    WORDS_PER_SECOND,
    Pacing,
    pieces_needed,
    reading_seconds,
    share_duration,
    split_text,
    word_count,
)

_CONFIG = ConfigDict(extra="ignore", frozen=True, json_schema_extra={"additionalProperties": False})
MAX_MODEL_PROMPT_CHARS = 3000
"""Room is left for the characters' looks and the style suffix within the 4000 characters of a prompt."""
MAX_LOOKS_CHARS = 700

SYSTEM_PROMPT = f"""You are a storyboard artist. Plan the shots of one scene of a script for a narrated video:
1 to {MAX_SHOTS} shots (as many as the user asks for), in order, together covering the whole scene. For each
shot give:
- description: one line saying what the shot shows;
- image_prompt: a prompt for an image model: camera framing, who is seen (by name, with a few words on
  their look), what they do, the setting, the time of day and light, the mood. No dialogue, captions or
  any written text in the picture; do not name an art style (one is added for the whole script);
- narration: the scene's text this shot covers, copied in order, as a reader reads a script aloud: no
  sluglines, transitions, parentheticals or character cues (never "NAME:"); a line of dialogue in
  quotation marks, with a short attribution ("Nora says,") when the speaker changes; a character
  introduced in capitals by name only. The narrations of all shots, joined, are the scene's text read aloud.
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


ANGLES = ("Closer view", "Another angle", "Detail", "Reverse angle", "Wider view")
"""How the later pieces of a shot cut for length are told apart in their prompts."""


class OpenAIShotPlanner:
    def __init__(self, chat: StructuredChat, pacing: Pacing = DEFAULT_PACING) -> None:
        self._chat = chat
        self.pacing = pacing

    async def plan_shots(self, scene: SceneText, *, context: ScriptContext) -> ShotPlan:
        # reading a long scene is CPU work: keep it off the event loop
        total_s = await asyncio.to_thread(
            lambda: reading_seconds(spoken_text(scene.text, context.characters), self.pacing)
        )
        messages = _messages(scene, context, total_s, self.pacing)
        result = await self._chat.complete(messages, ShotDrafts, schema_name="shot_plan")
        return await asyncio.to_thread(
            shot_plan_of, result.value, scene, context, usage=result.usage, pacing=self.pacing
        )


def shots_wanted(total_s: float, pacing: Pacing = DEFAULT_PACING) -> int:
    """How many shots the model is asked for: the scene's time at the target shot length, within
    what the longest and shortest shot allow."""
    fewest = pieces_needed(total_s, pacing)
    most = max(fewest, min(pacing.max_shots, int(total_s // pacing.min_shot_s)))
    return min(max(round(total_s / pacing.target_shot_s), fewest), most)


def shot_plan_of(
    drafts: ShotDrafts, scene: SceneText, context: ScriptContext, *, usage: Usage, pacing: Pacing = DEFAULT_PACING
) -> ShotPlan:
    """The model's shots with the script's look, the scene's setting and timing made consistent,
    cut or joined to keep to the pacing."""
    reading = read_scene(scene.text, context.characters, pacing)
    total_s = reading_seconds(reading.spoken_text, pacing)
    paced = paced_drafts(list(drafts.shots), total_s, pacing)
    narrations = [draft.narration for draft in paced]
    durations = share_duration(total_s, [word_count(n) for n in narrations], pacing)
    shots = []
    for order, (draft, duration) in enumerate(zip(paced, durations, strict=True), start=1):
        seen = f"{draft.description} {draft.image_prompt} {draft.narration}"
        characters = named_in(seen, context.characters)
        shots.append(
            PlannedShot(
                order=order,
                description=one_line(draft.description, MAX_DESCRIPTION_CHARS),
                image_prompt=with_style(
                    with_looks(draft.image_prompt, context.looks_of(characters)), context.style_suffix
                ),
                duration_s=duration,
                narration=draft.narration,
                characters=characters,
            )
        )
    return ShotPlan(shots=shots, setting=reading.setting, time_of_day=reading.time_of_day, usage=usage)


def paced_drafts(drafts: list[ShotDraft], total_s: float, pacing: Pacing = DEFAULT_PACING) -> list[ShotDraft]:
    """The model's shots, narrations on one line, with a shot too long to read in `max_shot_s`
    cut into even pieces (the later ones seen from another angle), then, while the shots are
    more than `max_shots` or too many for each to last `min_shot_s`, the two shortest neighbours
    joined (the first one's picture, both texts)."""
    words = sum(word_count(" ".join(draft.narration.split())) for draft in drafts)
    scale = total_s / (words / WORDS_PER_SECOND) if words else 1.0
    cut: list[ShotDraft] = []
    for draft in drafts:
        narration = " ".join(draft.narration.split())
        pieces = split_text(narration, pieces_needed(word_count(narration) / WORDS_PER_SECOND * scale, pacing))
        for index, piece in enumerate(pieces):
            cut.append(_piece(draft, piece, index))
    while len(cut) > 1 and (len(cut) > pacing.max_shots or len(cut) * pacing.min_shot_s > total_s + 1e-9):
        sums = [word_count(d.narration) for d in cut]
        i = min(range(len(cut) - 1), key=lambda i: sums[i] + sums[i + 1])
        first, second = cut[i], cut[i + 1]
        joined = first.model_copy(update={"narration": f"{first.narration} {second.narration}".strip()})
        cut[i : i + 2] = [joined]
    return cut


def _piece(draft: ShotDraft, narration: str, index: int) -> ShotDraft:
    if index == 0:
        return draft.model_copy(update={"narration": narration})
    angle = ANGLES[(index - 1) % len(ANGLES)]
    return draft.model_copy(
        update={
            "narration": narration,
            "description": one_line(f"{angle}: {draft.description}", MAX_DESCRIPTION_CHARS),
            "image_prompt": f"{angle}. {draft.image_prompt}",
        }
    )


def with_looks(prompt: str, looks: str) -> str:
    """The prompt with the looks of the characters in it (`Nora: 40s, oilskin coat`), unless it has them."""
    prompt = " ".join(prompt.split()).rstrip()
    if not looks or looks in prompt:
        return prompt
    return f"{prompt.rstrip('.,;')}. {one_line(looks, MAX_LOOKS_CHARS)}."


def with_style(prompt: str, style_suffix: str) -> str:
    prompt = " ".join(prompt.split()).rstrip()
    if style_suffix and not prompt.endswith(style_suffix):
        prompt = f"{prompt.rstrip('.,;')}. {style_suffix}"
    return one_line(prompt, MAX_PROMPT_CHARS)


def _messages(
    scene: SceneText, context: ScriptContext, total_s: float, pacing: Pacing = DEFAULT_PACING
) -> list[ChatCompletionMessageParam]:
    schema = json.dumps(strict_json_schema(ShotDrafts), separators=(",", ":"))
    wanted = shots_wanted(total_s, pacing)
    facts = [
        f"Script title: {context.title}" if context.title else "",
        f"The script's characters: {', '.join(context.characters)}" if context.characters else "",
        f"How they look (keep to it in every prompt they are in): {context.looks_of(context.characters)}"
        if context.looks
        else "",
        f"Frame: {context.aspect}",
        f"Scene {scene.order}" + (f", heading: {scene.heading}" if scene.heading else ""),
        f"Shots: {wanted}"
        + (f" (the scene reads in about {total_s:.0f} s" if wanted > 1 else " (the scene is short")
        + f"; a shot is on screen while its narration is read, {pacing.min_shot_s:g} to {pacing.max_shot_s:g} s,"
        + f" so give each shot at most {int(pacing.max_words)} words of narration)",
    ]
    return [
        {"role": "system", "content": SYSTEM_PROMPT + schema},
        {
            "role": "user",
            "content": "\n".join(f for f in facts if f)
            + f"\nThe scene's text, between the lines of dashes:\n-----\n{scene.text}\n-----",
        },
    ]
