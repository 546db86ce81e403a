"""Capability: split a script into ordered scenes without losing or repeating any text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol, runtime_checkable

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.scene import SegmentationMethod
from reelflow_kit.ai.fountain_markup import visible_text
from reelflow_kit.ai.scene_headings import HEADING, SLUGLINE

MAX_HEADING_CHARS = 300
"""A scene heading is at most this long (SceneCreated.heading); a longer heading line is cut."""


class EmptyScript(ValueError):
    """The script has no text to segment (only whitespace)."""


@dataclass(frozen=True)
class SceneText:
    order: int
    text: str
    heading: str = ""
    """The scene's slugline or heading line, when it has one (also part of `text`)."""


@dataclass(frozen=True)
class Segmentation:
    scenes: list[SceneText]
    usage: Usage = field(default_factory=Usage)
    method: SegmentationMethod = "paragraphs"
    """How the split was made: `sluglines`, `headings`, `paragraphs` (local rules) or `ai`."""
    fell_back: bool = False
    """True when the AI's scenes were unusable and the local rules made these instead."""
    note: str = ""
    """Why a fallback was taken, for the event; empty when there was none."""


@runtime_checkable
class Segmenter(Protocol):
    async def segment(self, script: str) -> Segmentation:
        """Ordered scenes whose texts, joined, give back `script` (whitespace aside).
        Raises EmptyScript for a script without text, AIProviderError when the provider gives up."""
        ...


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def covers(script: str, scenes: list[SceneText]) -> bool:
    """True when the scenes, in order, are exactly the script (whitespace aside): nothing lost, nothing repeated."""
    return _squash("".join(s.text for s in scenes)) == _squash(script)


def scenes_from_cuts(script: str, cuts: list[int]) -> list[SceneText]:
    """The scenes of `script` cut at the character offsets `cuts` (ascending, the first being 0);
    each scene keeps its text stripped and its heading (see `heading_of`). Pieces holding only
    whitespace join the scene before them, so nothing is lost and no scene is empty."""
    bounds = [*cuts, len(script)]
    pieces: list[str] = []
    for start, end in pairwise(bounds):
        piece = script[start:end]
        if pieces and not piece.strip():
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return [
        SceneText(order=order, text=piece.strip(), heading=heading_of(piece))
        for order, piece in enumerate(pieces, start=1)
    ]


def heading_of(text: str) -> str:
    """The scene's heading: its first slugline (`INT. KITCHEN - NIGHT`), else its first heading
    line (`# The call`, `Scene 3`), else "". Fountain notes and boneyard are not read (`INT.
    KITCHEN - NIGHT [[CAT]]` gives `INT. KITCHEN - NIGHT`). At most MAX_HEADING_CHARS characters."""
    text = visible_text(text)
    for pattern in (SLUGLINE, HEADING):
        if match := pattern.search(text):
            return clamp_heading(match.group(0))
    return ""


def clamp_heading(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= MAX_HEADING_CHARS else line[: MAX_HEADING_CHARS - 1].rstrip() + "…"
