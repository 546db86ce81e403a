"""Cutting a script where a model says its scenes start, so no text can be lost or repeated.

A model that echoes a 200 KB script back as scenes may run out of output tokens, paraphrase or
skip lines. Instead it is asked for each scene's opening words (`SceneStarts`); the original
text is cut where those words are found, searching in order, each after the previous one. The
scenes are then the script itself, exactly (text before the first scene stays with it). An
opening that is not found after the previous one is a problem named back to the model.

Matching forgives what models change when they copy: runs of whitespace (a line break copied
as a space), straight versus curly quotes, and hyphens versus dashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reelflow_kit.ai.segmentation import SceneText, covers, scenes_from_cuts

MAX_AI_SCENES = 1000
MAX_START_CHARS = 300

_CONFIG = ConfigDict(extra="ignore", frozen=True, json_schema_extra={"additionalProperties": False})
_LOOK_ALIKES = {
    **dict.fromkeys("'‘’′`", "['‘’′`]"),
    **dict.fromkeys('"“”″', '["“”″]'),
    **dict.fromkeys("-‐‑‒–—", "[-‐‑‒–—]"),
}


class SceneStart(BaseModel):
    model_config = _CONFIG

    order: int = Field(ge=1, description="the scene's position, counted from 1")
    starts_with: str = Field(
        min_length=1, max_length=MAX_START_CHARS, description="the scene's first words, copied exactly from the script"
    )

    @model_validator(mode="after")
    def _has_words(self) -> SceneStart:
        if not self.starts_with.split():
            raise ValueError("starts_with is blank")
        return self


class SceneStarts(BaseModel):
    """What the model answers: where each scene of the script starts, in order."""

    model_config = _CONFIG

    scenes: list[SceneStart] = Field(min_length=1, max_length=MAX_AI_SCENES)

    @model_validator(mode="after")
    def _ordered_from_one(self) -> SceneStarts:
        orders = [scene.order for scene in self.scenes]
        if orders != list(range(1, len(orders) + 1)):
            raise ValueError(f"scene orders must be 1, 2, 3, ... in sequence; got {orders[:20]}")
        return self


@dataclass(frozen=True)
class Cut:
    scenes: list[SceneText]
    problems: list[str]
    """Empty when every opening was found, in order; the scenes are then the whole script."""

    @property
    def ok(self) -> bool:
        return not self.problems


def cut_at_starts(script: str, starts: SceneStarts) -> Cut:
    """The script cut before each scene's opening words (see the module doc)."""
    offsets: list[int] = []
    problems: list[str] = []
    position, last_found = 0, 0
    for scene in starts.scenes:
        found = find_opening(script, scene.starts_with, position)
        if found is None:
            after = f" after the opening of scene {last_found}" if last_found else ""
            problems.append(f"scene {scene.order}: {_quoted(scene.starts_with)} is not in the script{after}")
            continue
        offsets.append(found)
        position, last_found = found + 1, scene.order
    if problems:
        return Cut(scenes=[], problems=problems)
    scenes = scenes_from_cuts(script, [0, *offsets[1:]])
    if not covers(script, scenes):  # cannot happen when cutting the script itself; checked anyway
        return Cut(scenes=[], problems=["the scenes do not add up to the script"])
    return Cut(scenes=scenes, problems=[])


def find_opening(script: str, opening: str, start: int) -> int | None:
    """Offset of the first occurrence of `opening` in `script` at or after `start`, or None."""
    match = _opening_pattern(opening).search(script, start)
    return match.start() if match else None


def _opening_pattern(opening: str) -> re.Pattern[str]:
    words = ["".join(_LOOK_ALIKES.get(ch, re.escape(ch)) for ch in word) for word in opening.split()]
    return re.compile(r"\s+".join(words))


def _quoted(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"
