"""Base classes for every command and event, and the catalog that maps CloudEvents types to models.

Schemas only grow by optional fields, and unknown fields are ignored, so an old consumer keeps
reading what a newer producer writes. A breaking change gets a new `.vN` type instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["command", "event"]

CATALOG: dict[str, type[Message]] = {}
"""ce_type -> model class, filled by @message."""


class Usage(BaseModel):
    """AI usage behind an event, so cost can be totalled per script and per operation."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    provider: str = "local"
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0
    audio_seconds: float = 0.0


class Message(BaseModel):
    """A command or event. `script_id` is the Kafka key, so all of a script's messages stay in order."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ce_type: ClassVar[str]
    topic: ClassVar[str]
    kind: ClassVar[Kind]
    subject_field: ClassVar[str] = "script_id"

    script_id: str = Field(min_length=1, max_length=100)

    @property
    def key(self) -> str:
        return self.script_id

    @property
    def subject(self) -> str:
        """The aggregate this message is about (CloudEvents `subject`)."""
        return str(getattr(self, self.subject_field))


class Command(Message):
    kind: ClassVar[Kind] = "command"

    requested_by: str = Field(default="", description="id of the user (or operation) that asked")


class Event(Message):
    kind: ClassVar[Kind] = "event"


MessageT = TypeVar("MessageT", bound=Message)


def message(ce_type: str, *, topic: str, subject: str = "script_id") -> Callable[[type[MessageT]], type[MessageT]]:
    """Register a message model under its CloudEvents type and topic."""

    def register(cls: type[MessageT]) -> type[MessageT]:
        if ce_type in CATALOG:
            raise ValueError(f"duplicate message type {ce_type}")
        if subject not in cls.model_fields:
            raise ValueError(f"{cls.__name__} has no field {subject!r} to use as subject")
        cls.ce_type = ce_type
        cls.topic = topic
        cls.subject_field = subject
        CATALOG[ce_type] = cls
        return cls

    return register
