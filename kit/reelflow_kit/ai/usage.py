"""Adding up the AI usage of several calls."""

from __future__ import annotations

from reelflow_contracts.messages.base import Usage


def added(first: Usage, second: Usage) -> Usage:
    """Both calls' counts summed; provider and model are the later call's."""
    return Usage(
        provider=second.provider,
        model=second.model or first.model,
        input_tokens=first.input_tokens + second.input_tokens,
        output_tokens=first.output_tokens + second.output_tokens,
        images=first.images + second.images,
        audio_seconds=first.audio_seconds + second.audio_seconds,
    )
