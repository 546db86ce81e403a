"""Field types and small models shared by the message modules, and the CommandRejected base.

Closed sets (aspect, resolution, transition, origin, pipeline stage) are `Literal`s: adding a
value is a schema change and gets a new `.vN` type. Free text is bounded; script-sized text
is bounded in UTF-8 bytes, not only in characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import to_json

from reelflow_contracts.messages.base import Event, Message, Usage

if TYPE_CHECKING:
    from reelflow_contracts.envelope import Envelope

__all__ = [
    "MAX_SCRIPT_BYTES",
    "MAX_SCRIPT_JSON_BYTES",
    "MAX_FEEDBACK_CHARS",
    "MAX_ERROR_CHARS",
    "Id",
    "Title",
    "ScriptText",
    "Premise",
    "Prompt",
    "Feedback",
    "ErrorText",
    "Code",
    "MediaKey",
    "Origin",
    "Aspect",
    "Resolution",
    "Transition",
    "Stage",
    "StyleHints",
    "VideoOptions",
    "Usage",
    "CommandRejected",
    "DEAD_LETTERED",
    "EVENT_REFUSED",
    "FATAL_REJECTION_CODES",
    "dimensions",
]

MAX_SCRIPT_BYTES = 200_000
"""A script (and so any scene of it) is at most 200 KB of UTF-8."""
MAX_SCRIPT_JSON_BYTES = 400_000
"""... and at most 400 KB once JSON-encoded as events carry it (a control character takes six
bytes there, a quote two), so every event carrying a script fits the bus (1 MiB) with margin."""
MAX_FEEDBACK_CHARS = 2000
MAX_ERROR_CHARS = 4000


def _max_utf8_bytes(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > limit:
            raise ValueError(f"is {size} bytes in UTF-8, at most {limit} allowed")
        return value

    return AfterValidator(check)


def _max_json_bytes(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        size = len(to_json(value)) - 2  # without the quotes; the same encoder as the events' values
        if size > limit:
            raise ValueError(
                f"is {size} bytes once JSON-encoded (control characters take six bytes), at most {limit} allowed"
            )
        return value

    return AfterValidator(check)


def _truncate(limit: int) -> BeforeValidator:
    def cut(value: Any) -> Any:
        if isinstance(value, str) and len(value) > limit:
            return value[: limit - 1] + "…"
        return value

    return BeforeValidator(cut)


Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
"""An aggregate id (uuid in practice). Safe to embed in object-storage keys."""

Title = Annotated[str, Field(max_length=200)]
ScriptText = Annotated[
    str,
    Field(min_length=1, max_length=MAX_SCRIPT_BYTES, description=f"at most {MAX_SCRIPT_BYTES} bytes of UTF-8"),
    _max_utf8_bytes(MAX_SCRIPT_BYTES),
    _max_json_bytes(MAX_SCRIPT_JSON_BYTES),
]
Premise = Annotated[str, Field(min_length=1, max_length=4000)]
Prompt = Annotated[str, Field(min_length=1, max_length=4000)]
Feedback = Annotated[str, Field(max_length=MAX_FEEDBACK_CHARS)]
ErrorText = Annotated[
    str,
    Field(max_length=MAX_ERROR_CHARS, description=f"longer text is cut to {MAX_ERROR_CHARS} characters"),
    _truncate(MAX_ERROR_CHARS),
]
"""Error text is truncated, never rejected: a long traceback must not make a *Failed event invalid."""

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
"""A machine-readable snake_case code, e.g. `not_draft`, `rate_limited`."""


def _no_dot_segments(value: str) -> str:
    if ".." in value:
        raise ValueError("must not contain '..'")
    return value


MediaKey = Annotated[
    str,
    Field(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]*$"),
    AfterValidator(_no_dot_segments),
]
"""An object-storage key made by the server (no leading slash, no `..`)."""

Origin = Literal["user", "ai"]
Aspect = Literal["16:9", "9:16", "1:1"]
Resolution = Literal["720p", "1080p"]
Transition = Literal[
    "none",
    "fade",
    "fadeblack",
    "fadewhite",
    "dissolve",
    "wipeleft",
    "wiperight",
    "slideleft",
    "slideright",
    "circleopen",
    "circleclose",
    "zoomin",
]
"""FFmpeg `xfade` transition names, plus `none` for hard cuts."""

Stage = Literal["script", "segmentation", "shot_planning", "image_generation", "render"]
"""The pipeline steps. *Failed events and operations report where things stand or broke."""

_SHORT_SIDE = {"720p": 720, "1080p": 1080}


def dimensions(aspect: Aspect, resolution: Resolution = "1080p") -> tuple[int, int]:
    """Pixel (width, height) for an aspect and resolution: 16:9 1080p -> (1920, 1080)."""
    short = _SHORT_SIDE[resolution]
    long = short * 16 // 9
    return {"16:9": (long, short), "9:16": (short, long), "1:1": (short, short)}[aspect]


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class StyleHints(_Part):
    """What keeps a script's images consistent: frame shape and a shared look."""

    aspect: Aspect = "16:9"
    style_suffix: str = Field(default="", max_length=500, description="appended to every prompt of the script")
    setting: str = Field(default="", max_length=300, description="from the scene's slugline or heading")
    time_of_day: str = Field(default="", max_length=50)
    characters: tuple[str, ...] = Field(default=(), max_length=50)


class VideoOptions(_Part):
    """How to render a video. Every field has a default, so `{}` is valid."""

    aspect: Aspect = "16:9"
    resolution: Resolution = "1080p"
    transition: Transition = "fade"
    transition_s: float = Field(default=0.5, ge=0, le=5, description="length of each transition in seconds")
    motion: bool = Field(default=True, description="slow zoom/pan on each image")
    narration: bool = Field(default=True, description="spoken narration of the scene text")
    subtitles: bool = Field(default=True, description="subtitles timed to the narration")
    fps: int = Field(default=30, ge=12, le=60)

    @property
    def size(self) -> tuple[int, int]:
        return dimensions(self.aspect, self.resolution)


DEAD_LETTERED = "dead_lettered"
"""A CommandRejected code: the command failed for good in its consumer and went to the dead-letter topic."""
EVENT_REFUSED = "event_refused"
"""A CommandRejected code: the command was applied, but the bus refused the event saying so."""
FATAL_REJECTION_CODES = frozenset({DEAD_LETTERED, EVENT_REFUSED})
"""Rejections that mean the work cannot go on, unlike a refusal in the current state (`not_draft`)."""


class CommandRejected(Event):
    """A service refused a command (wrong state, unknown id, failed precondition).

    Not registered itself: each service emits its own subclass (ScriptCommandRejected, ...) on its
    own events topic, so every catalog type keeps exactly one topic. Consumers match on
    `isinstance(msg, CommandRejected)`; producers build one with `CommandRejected.of(command_envelope, ...)`.
    """

    target_id: Id = Field(description="the rejected command's subject (the aggregate it was about)")
    command_id: str = Field(min_length=1, max_length=100, description="ce_id of the rejected command")
    command_type: str = Field(min_length=1, max_length=200, description="ce_type of the rejected command")
    code: Code
    reason: str = Field(min_length=1, max_length=2000, description="human-readable explanation")

    @staticmethod
    def of(command: Envelope[Message], *, code: str, reason: str, **extra: Any) -> CommandRejected:
        """The rejection of `command`, typed for the service that owns the command's topic."""
        service = _service_of(command.topic)
        for sub in CommandRejected.__subclasses__():
            if _service_of(sub.topic) == service:
                return sub(
                    script_id=command.data.script_id,
                    target_id=command.subject,
                    command_id=command.id,
                    command_type=command.type,
                    code=code,
                    reason=reason,
                    **extra,
                )
        raise LookupError(f"no CommandRejected type for commands on {command.topic!r}")


def _service_of(topic: str) -> str:
    return topic.split(".", 1)[0]
