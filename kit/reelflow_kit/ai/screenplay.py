"""A screenplay as data, and its rendering as screenplay-formatted text.

Every script-writing provider produces a `Screenplay` (the local writer builds one, the OpenAI
writer asks the model for one as structured output), and `render_screenplay` turns it into the
text stored and shown to users: sluglines (`INT. LIGHTHOUSE - NIGHT`), action paragraphs, and
dialogue under CHARACTER cues, so the scene service can split the script at its sluglines.
"""

from __future__ import annotations

import re
import textwrap
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reelflow_contracts.messages.common import MAX_SCRIPT_BYTES

SLUGLINE_PATTERN = r"^(INT\.|EXT\.|INT\./EXT\.|I/E\.) \S.* - \S.*$"

_ACTION_WIDTH = 60
_DIALOGUE_WIDTH = 35
_CUE_INDENT = " " * 22
_PARENTHETICAL_INDENT = " " * 16
_DIALOGUE_INDENT = " " * 10

# Closed objects in the JSON schema (structured outputs need it); extra keys are still ignored
# when validating, so a chattier model is not punished for them.
_CONFIG = ConfigDict(extra="ignore", frozen=True, json_schema_extra={"additionalProperties": False})


class Beat(BaseModel):
    """One paragraph of a scene: an action line, or a character's line of dialogue."""

    model_config = _CONFIG

    kind: Literal["action", "dialogue"]
    character: str = Field(max_length=60, description="the speaker, for dialogue; empty for action")
    parenthetical: str = Field(max_length=120, description="delivery note such as 'quietly'; usually empty")
    text: str = Field(min_length=1, max_length=4000, description="the action, or the spoken words")

    @model_validator(mode="after")
    def _dialogue_has_a_speaker(self) -> Beat:
        if self.kind == "dialogue" and not self.character.strip():
            raise ValueError("a dialogue beat needs a character")
        return self


class Scene(BaseModel):
    model_config = _CONFIG

    slugline: str = Field(
        pattern=SLUGLINE_PATTERN,
        max_length=200,
        description="scene heading, e.g. 'INT. LIGHTHOUSE - NIGHT' or 'EXT. HARBOR - DAWN'",
    )
    beats: list[Beat] = Field(min_length=1, max_length=200)

    @field_validator("slugline", mode="before")
    @classmethod
    def _in_capitals(cls, value: object) -> object:
        return _one_line(value).upper() if isinstance(value, str) else value


class Screenplay(BaseModel):
    model_config = _CONFIG

    title: str = Field(min_length=1, max_length=200)
    scenes: list[Scene] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _fits_in_a_script(self) -> Screenplay:
        size = len(render_screenplay(self).encode("utf-8"))
        if size > MAX_SCRIPT_BYTES:
            raise ValueError(f"the screenplay is {size} bytes of text, at most {MAX_SCRIPT_BYTES} allowed")
        return self


def render_screenplay(screenplay: Screenplay) -> str:
    """Screenplay text: FADE IN:, then each scene's slugline, action and dialogue, then FADE OUT."""
    blocks = ["FADE IN:"]
    for scene in screenplay.scenes:
        blocks.append(scene.slugline)
        blocks.extend(_render_beat(beat) for beat in scene.beats)
    blocks.append("FADE OUT.")
    return "\n\n".join(blocks) + "\n"


def _render_beat(beat: Beat) -> str:
    text = _one_line(beat.text)
    if beat.kind == "action":
        return textwrap.fill(text, _ACTION_WIDTH)
    lines = [_CUE_INDENT + _one_line(beat.character).upper()]
    if note := _one_line(beat.parenthetical).strip("()"):
        lines.append(_PARENTHETICAL_INDENT + f"({note})")
    lines.extend(
        textwrap.wrap(text, _DIALOGUE_WIDTH, initial_indent=_DIALOGUE_INDENT, subsequent_indent=_DIALOGUE_INDENT)
    )
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clamp_title(title: str, limit: int = 200) -> str:
    title = _one_line(title)
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
