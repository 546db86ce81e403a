"""AI usage lines and what they cost, from a price list: pure, no I/O.

Usage comes from the events and is kept per provider and model (`add_usage_line`), by an
operation and by the read model for each script. The local provider runs here and costs
nothing. Other models are priced from `settings.prices` (per million input and output tokens,
per image, per minute of audio); a model missing from it is listed in `unpriced_models` rather
than counted as free, so a total is never quietly too low.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from reelflow_contracts.messages.base import Usage

LOCAL = "local"
COUNTS = ("input_tokens", "output_tokens", "images", "audio_seconds")


def used_something(usage: Usage) -> bool:
    return any(getattr(usage, count) for count in COUNTS)


def add_usage_line(lines: list[dict], usage: Usage) -> None:
    """`usage` added to its provider's and model's line of `lines` (a new line when it has none)."""
    line = next((u for u in lines if (u["provider"], u["model"]) == (usage.provider, usage.model)), None)
    if line is None:
        line = {"provider": usage.provider, "model": usage.model, **dict.fromkeys(COUNTS, 0)}
        lines.append(line)
    for count in COUNTS:
        line[count] += getattr(usage, count)
    line["audio_seconds"] = round(line["audio_seconds"], 3)


def summed_lines(lines: Sequence[Mapping]) -> dict:
    """Every line's counts added up."""
    totals = {count: sum(line.get(count, 0) for line in lines) for count in COUNTS}
    totals["audio_seconds"] = round(float(totals["audio_seconds"]), 3)
    return totals


class ModelPrice(BaseModel):
    input_per_mtok: float = Field(default=0.0, ge=0, description="per million input tokens")
    output_per_mtok: float = Field(default=0.0, ge=0, description="per million output tokens")
    per_image: float = Field(default=0.0, ge=0)
    per_audio_minute: float = Field(default=0.0, ge=0)


@dataclass(frozen=True)
class PriceList:
    prices: Mapping[str, ModelPrice]
    currency: str

    def cost(self, usage_by_model: Sequence[Mapping]) -> dict:
        return cost_of(usage_by_model, self.prices, self.currency)


def cost_of(usage_by_model: Sequence[Mapping], prices: Mapping[str, ModelPrice], currency: str) -> dict:
    """The cost of each line of usage (provider, model, input_tokens, output_tokens, images,
    audio_seconds), and in all."""
    total = 0.0
    lines, unpriced = [], []
    for used in sorted(usage_by_model, key=lambda u: (u["provider"], u["model"])):
        provider, model = used["provider"], used["model"]
        if provider == LOCAL:
            amount = 0.0
        elif model in prices:
            price = prices[model]
            amount = (
                used.get("input_tokens", 0) * price.input_per_mtok / 1e6
                + used.get("output_tokens", 0) * price.output_per_mtok / 1e6
                + used.get("images", 0) * price.per_image
                + used.get("audio_seconds", 0.0) / 60 * price.per_audio_minute
            )
        else:
            unpriced.append(model)
            continue
        total += amount
        lines.append({"provider": provider, "model": model, "amount": round(amount, 6)})
    return {"currency": currency, "total": round(total, 6), "by_model": lines, "unpriced_models": unpriced}
