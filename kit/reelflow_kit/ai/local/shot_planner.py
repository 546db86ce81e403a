"""Offline shot planning: a scene's beats grouped into shots paced by `timing.Pacing`, each with a prompt.

The scene is read into beats (`scene_reading`; a beat longer than the longest shot is cut in
pieces); consecutive beats are grouped into shots (`timing.group_sizes`): none longer than the
longest shot (8 s by default), none shorter than the shortest (3 s) where a neighbour can take
it, short beats joined and beats of a good length kept whole; a long passage gets more shots,
never longer ones, up to `max_shots` (100). The scene's reading time is shared among the shots
by the words each covers. Each prompt says what is seen (the beats' action as sentences, names in title case, no dialogue
text), where (from the slugline), when (time of day and its light), who (the script's
characters named in the beats, and speakers, with the look of each main one), the mood of the scene, the frame shape, and ends
with the script's style suffix. Deterministic; runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import re

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.characters import in_display_case
from reelflow_kit.ai.local.visuals import COMPOSITION, framing_for, light_for, mood_of
from reelflow_kit.ai.scene_reading import Beat, SceneReading, read_scene
from reelflow_kit.ai.segmentation import SceneText
from reelflow_kit.ai.shot_planning import (
    MAX_DESCRIPTION_CHARS,
    MAX_PROMPT_CHARS,
    PlannedShot,
    ScriptContext,
    ShotPlan,
    one_line,
)
from reelflow_kit.ai.timing import DEFAULT_PACING, Pacing, group_sizes, reading_seconds, share_duration

LOCAL_USAGE = Usage(provider="local", model="local-shot-planner-v1")
MAX_VISUAL_CHARS = 1200
MAX_SUMMARY_CHARS = 160
MAX_LOOKS_CHARS = 1000


class LocalShotPlanner:
    """ShotPlanner without network or key. Usage is zero (`provider="local"`)."""

    def __init__(self, pacing: Pacing = DEFAULT_PACING) -> None:
        self.pacing = pacing

    async def plan_shots(self, scene: SceneText, *, context: ScriptContext) -> ShotPlan:
        return await asyncio.to_thread(plan_scene, scene, context, self.pacing)


def plan_scene(scene: SceneText, context: ScriptContext, pacing: Pacing = DEFAULT_PACING) -> ShotPlan:
    reading = read_scene(scene.text, context.characters, pacing)
    total_s = reading_seconds(reading.spoken_text, pacing)
    groups = group_beats(list(reading.beats), total_s, pacing) if reading.beats else [[]]
    durations = share_duration(total_s, [sum(beat.words for beat in group) for group in groups], pacing)
    mood = mood_of(scene.text)
    shots = [
        _shot(order, len(groups), group, duration, reading, mood, scene, context)
        for order, (group, duration) in enumerate(zip(groups, durations, strict=True), start=1)
    ]
    return ShotPlan(shots=shots, setting=reading.setting, time_of_day=reading.time_of_day, usage=LOCAL_USAGE)


def group_beats(beats: list[Beat], total_s: float, pacing: Pacing = DEFAULT_PACING) -> list[list[Beat]]:
    """`beats` in order, grouped into shots by their share of the scene's `total_s` (see
    `timing.group_sizes`)."""
    words = sum(beat.words for beat in beats)
    lengths = [total_s * beat.words / words if words else total_s / len(beats) for beat in beats]
    groups, at = [], 0
    for size in group_sizes(lengths, pacing):
        groups.append(beats[at : at + size])
        at += size
    return groups


def _shot(
    order: int,
    count: int,
    beats: list[Beat],
    duration_s: float,
    reading: SceneReading,
    mood: str,
    scene: SceneText,
    context: ScriptContext,
) -> PlannedShot:
    characters = tuple(dict.fromkeys(name for beat in beats for name in beat.characters))
    speaking = any(beat.speaker for beat in beats)
    framing = framing_for(order, count, characters, speaking)
    names = tuple(dict.fromkeys((*context.characters, *characters)))
    visual = shot_visual(beats, names) if beats else _establishing(reading, scene, context)
    return PlannedShot(
        order=order,
        description=one_line(f"{framing}: {_summary(beats, visual, names)}", MAX_DESCRIPTION_CHARS),
        image_prompt=compose_prompt(framing, visual, reading.setting, reading.time_of_day, characters, mood, context),
        duration_s=duration_s,
        narration=" ".join(beat.narration for beat in beats),
        characters=characters,
    )


def compose_prompt(
    framing: str,
    visual: str,
    setting: str,
    time_of_day: str,
    characters: tuple[str, ...],
    mood: str,
    context: ScriptContext,
) -> str:
    parts = [f"{framing}.", _sentence(one_line(visual, MAX_VISUAL_CHARS))]
    if setting:
        parts.append(f"Setting: {setting}.")
    if time_of_day:
        parts.append(f"Time of day: {light_for(time_of_day)}.")
    if characters:
        parts.append(f"Characters: {one_line(', '.join(characters), 400)}.")
        if looks := context.looks_of(characters):
            parts.append(f"{one_line(looks, MAX_LOOKS_CHARS)}.")
    parts.append(f"Mood: {mood}.")
    parts.append(f"{COMPOSITION.get(context.aspect, context.aspect).capitalize()}, no text or lettering.")
    if context.style_suffix:
        parts.append(context.style_suffix)
    return one_line(" ".join(parts), MAX_PROMPT_CHARS)


def shot_visual(beats: list[Beat], names: tuple[str, ...]) -> str:
    """What a shot shows: its beats' visuals as sentences, names in title case. A piece of a
    sentence cut to fit a shot (`which has arrows on it,`) reads as one (`Which has arrows on
    it.`); a visual that introduces the next (`It reads:` before `"YES, SERIOUSLY"`) runs on
    into it."""
    out = ""
    for beat in beats:
        visual = in_display_case(" ".join(beat.visual.split()), names)
        if not visual:
            continue
        if out.endswith(":"):
            out = f"{out} {visual}"
        else:
            out = f"{_sentence(out)} {_capitalised(visual)}" if out else _capitalised(visual)
    return _sentence(out) if out else ""


def _summary(beats: list[Beat], visual: str, names: tuple[str, ...]) -> str:
    """The shot in a few words: its first action sentence, or who says what."""
    if beats and beats[0].speaker and beats[0].visual.endswith(" speaks"):
        return f"{beats[0].speaker} says “{one_line(beats[0].line, 100)}”"
    first = shot_visual(beats[:1], names) if beats else visual
    return one_line(first, MAX_SUMMARY_CHARS)


def _establishing(reading: SceneReading, scene: SceneText, context: ScriptContext) -> str:
    """What a scene with nothing to read aloud shows: its place, else its heading, else the title."""
    where = reading.setting or scene.heading.lstrip("# ") or context.title or "an empty set"
    return f"An establishing view of {where}"


def _sentence(text: str) -> str:
    """`text` ending as a sentence: a clause's punctuation left at its end (`sign,` `reads:`)
    becomes a full stop, which is added where no sentence's end is (one before closing
    quotation marks or brackets counts: `"GURU 12 MI."`)."""
    text = _DANGLING.sub("", text.rstrip())
    if not text or _ENDED.search(text):
        return text
    return f"{text}."


def _capitalised(text: str) -> str:
    """`text` starting with a capital (after any opening quotation marks or brackets)."""
    match = _FIRST_LETTER.match(text)
    if not match or not match.group(2).islower():
        return text
    return f"{match.group(1)}{match.group(2).upper()}{text[match.end() :]}"


_DANGLING = re.compile(r"(?:\s*[,;:—–-])+$")
_ENDED = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_FIRST_LETTER = re.compile(r"([\"'“‘«(\[¿¡\s]*)(\w)")
