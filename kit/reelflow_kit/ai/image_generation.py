"""Capability: draw (or have a model generate) the image of one shot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reelflow_contracts.messages.base import Usage


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    caption: str = ""
    """The shot's one-line description (the local provider prints it on the frame)."""
    width: int = 1920
    height: int = 1080
    attempt: int = 1
    feedback: str = ""
    """What the writer said of the previous attempt, to take into account."""
    characters: tuple[str, ...] = ()
    """Who is in the shot, when the shot plan knows (otherwise read from the prompt)."""


@dataclass(frozen=True)
class GeneratedImage:
    png: bytes
    width: int
    height: int
    usage: Usage = field(default_factory=Usage)
    revised_prompt: str = ""


@runtime_checkable
class ImageGenerator(Protocol):
    async def generate(self, request: ImageRequest) -> GeneratedImage:
        """A PNG of exactly request.width x request.height. Raises AIProviderError when the provider gives up."""
        ...
