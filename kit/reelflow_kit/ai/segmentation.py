"""Capability: split a script into ordered scenes without losing or repeating any text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reelflow_contracts.messages.base import Usage


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
    method: str = "local"
    """How the split was made (`sluglines`, `headings`, `paragraphs`, `openai`, ...)."""
    note: str = ""
    """Why a fallback was taken, for the event; empty when there was none."""


@runtime_checkable
class Segmenter(Protocol):
    async def segment(self, script: str) -> Segmentation:
        """Ordered scenes whose texts, joined, give back `script` (whitespace aside).
        Raises AIProviderError when the provider gives up."""
        ...


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def covers(script: str, scenes: list[SceneText]) -> bool:
    """True when the scenes, in order, are exactly the script (whitespace aside): nothing lost, nothing repeated."""
    return _squash("".join(s.text for s in scenes)) == _squash(script)
