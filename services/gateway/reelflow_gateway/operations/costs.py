"""What an operation's AI usage costs, from a price list: pure, no I/O.

Usage comes from the events, per provider and model. The local provider runs here and costs
nothing. Other models are priced from `settings.prices` (per million input and output tokens,
per image, per minute of audio); a model missing from it is listed in `unpriced_models` rather
than counted as free, so a total is never quietly too low.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from pydantic import BaseModel, Field

LOCAL = "local"


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
            amount = (used.get("input_tokens", 0) * price.input_per_mtok / 1e6
                      + used.get("output_tokens", 0) * price.output_per_mtok / 1e6
                      + used.get("images", 0) * price.per_image
                      + used.get("audio_seconds", 0.0) / 60 * price.per_audio_minute)
        else:
            unpriced.append(model)
            continue
        total += amount
        lines.append({"provider": provider, "model": model, "amount": round(amount, 6)})
    return {"currency": currency, "total": round(total, 6), "by_model": lines, "unpriced_models": unpriced}
