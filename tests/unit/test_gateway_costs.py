"""An operation's cost: priced per model from the price list, local work free, unknown models named."""

from __future__ import annotations

import pytest

from reelflow_gateway.costs import ModelPrice, cost_of

PRICES = {
    "writer": ModelPrice(input_per_mtok=2.0, output_per_mtok=8.0),
    "painter": ModelPrice(per_image=0.04),
    "voice": ModelPrice(per_audio_minute=0.015),
}


def test_each_model_is_priced_by_what_it_used():
    cost = cost_of(
        [
            {"provider": "openai", "model": "writer", "input_tokens": 500_000, "output_tokens": 250_000},
            {"provider": "openai", "model": "painter", "images": 10},
            {"provider": "openai", "model": "voice", "audio_seconds": 120.0},
            {"provider": "local", "model": "", "images": 40},
        ],
        PRICES,
        "USD",
    )
    assert cost["by_model"] == [
        {"provider": "local", "model": "", "amount": 0.0},
        {"provider": "openai", "model": "painter", "amount": 0.4},
        {"provider": "openai", "model": "voice", "amount": 0.03},
        {"provider": "openai", "model": "writer", "amount": 3.0},
    ]
    assert cost["total"] == pytest.approx(3.43) and cost["currency"] == "USD" and cost["unpriced_models"] == []


def test_a_model_without_a_price_is_named_not_counted_as_free():
    cost = cost_of(
        [
            {"provider": "openai", "model": "writer", "input_tokens": 1_000_000},
            {"provider": "openai", "model": "mystery", "output_tokens": 5},
        ],
        PRICES,
        "EUR",
    )
    assert cost["total"] == pytest.approx(2.0) and cost["unpriced_models"] == ["mystery"]
    assert [line["model"] for line in cost["by_model"]] == ["writer"]


def test_nothing_used_costs_nothing():
    assert cost_of([], PRICES, "USD") == {"currency": "USD", "total": 0.0, "by_model": [], "unpriced_models": []}
