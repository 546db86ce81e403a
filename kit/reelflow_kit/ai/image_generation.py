"""Capability: draw (or have a model generate) the image of one shot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from reelflow_contracts.messages.base import Usage

MAX_PROMPT_CHARS = 4000
"""A prompt on the events (`Prompt`) is at most this long."""
REVISION_LEAD = "Revise the previous attempt as the reviewer asked (these notes take precedence): "


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    width: int = 1920
    height: int = 1080
    attempt: int = 1
    feedback: str = ""
    """What the writer said of the previous attempts, to take into account."""
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


def compose_prompt(prompt: str, feedback: str = "", limit: int = MAX_PROMPT_CHARS) -> str:
    """The prompt of an attempt that takes the reviewer's feedback into account: the shot's prompt,
    then the feedback as revision notes. At most `limit` characters: the notes are kept whole (up to
    half the limit) and the shot's prompt is shortened at a word boundary when both do not fit.
    Without feedback, the prompt itself (shortened the same way if needed)."""
    prompt = " ".join(prompt.split())
    notes = " ".join(feedback.split())
    if not notes:
        return _cut(prompt, limit)
    notes = _cut(notes, limit // 2)
    tail = f"\n\n{REVISION_LEAD}{notes}"
    return _cut(prompt, limit - len(tail)) + tail


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    room = max(1, limit - 1)
    head = text[:room]
    if " " in head[room // 2 :]:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:.") + "…"
