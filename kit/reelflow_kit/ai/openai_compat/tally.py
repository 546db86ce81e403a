"""What one OpenAI-compatible call spent, across its retries and fallback models."""

from __future__ import annotations

from dataclasses import dataclass, field

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.openai_compat.failures import CallFailure


@dataclass
class CallTally:
    deadline: float
    """time.monotonic() past which nothing new is started."""
    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0
    """Images the server answered with (an unreadable one was drawn, and billed, too)."""
    model: str = ""
    failures: list[tuple[str, CallFailure]] = field(default_factory=list)

    def usage(self) -> Usage:
        return Usage(
            provider="openai",
            model=self.model,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            images=self.images,
        )
