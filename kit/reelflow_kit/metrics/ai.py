"""AI calls: how many, how long, how they ended, and what they used (tokens, images, audio seconds).

`observed(provider, capability, metrics, provider_name)` wraps any provider of a capability (a
segmenter, a shot planner, an image generator, a narrator...) in the composition root: each of
its coroutine methods is timed, and the `usage` of its result (or of the `AIProviderError` it
raised) is counted. The providers themselves stay unaware of metrics."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from prometheus_client import CollectorRegistry, Counter, Histogram

from reelflow_contracts.messages.base import Usage
from reelflow_kit.failures import Failed
from reelflow_kit.metrics.labels import BoundedValues

P = TypeVar("P")

AI_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


class AIMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._models = BoundedValues(limit=20)
        self._codes = BoundedValues(limit=20)
        self.calls = Counter(
            "reelflow_ai_calls",
            "AI calls by capability, provider and outcome (ok, or the provider's error code)",
            ["capability", "provider", "outcome"],
            registry=registry,
        )
        self.seconds = Histogram(
            "reelflow_ai_call_duration_seconds",
            "Time an AI call took, its provider's own retries included",
            ["capability", "provider"],
            buckets=AI_BUCKETS,
            registry=registry,
        )
        self.tokens = Counter(
            "reelflow_ai_tokens",
            "Tokens AI calls used, by direction (input, output)",
            ["capability", "provider", "model", "direction"],
            registry=registry,
        )
        self.images = Counter(
            "reelflow_ai_images", "Images AI calls generated", ["capability", "provider", "model"], registry=registry
        )
        self.audio_seconds = Counter(
            "reelflow_ai_audio_seconds",
            "Seconds of speech AI calls produced",
            ["capability", "provider", "model"],
            registry=registry,
        )

    def record(self, capability: str, provider: str, seconds: float, outcome: str, usage: Usage | None) -> None:
        self.calls.labels(capability, provider, self._codes(outcome)).inc()
        self.seconds.labels(capability, provider).observe(seconds)
        if usage is None:
            return
        model = self._models(usage.model or "none")
        if usage.input_tokens:
            self.tokens.labels(capability, provider, model, "input").inc(usage.input_tokens)
        if usage.output_tokens:
            self.tokens.labels(capability, provider, model, "output").inc(usage.output_tokens)
        if usage.images:
            self.images.labels(capability, provider, model).inc(usage.images)
        if usage.audio_seconds:
            self.audio_seconds.labels(capability, provider, model).inc(usage.audio_seconds)


class _Observed:
    def __init__(self, provider: object, capability: str, metrics: AIMetrics, provider_name: str) -> None:
        self._provider = provider
        self._capability = capability
        self._metrics = metrics
        self._provider_name = provider_name

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._provider, name)
        if not callable(attribute) or not inspect.iscoroutinefunction(attribute):
            return attribute
        return self._timed(attribute)

    def _timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                result = await call(*args, **kwargs)
            except Failed as failed:
                usage = getattr(failed, "usage", None)
                self._record(began, failed.code, usage if isinstance(usage, Usage) else None)
                raise
            except Exception:
                self._record(began, "error", None)
                raise
            usage = getattr(result, "usage", None)
            self._record(began, "ok", usage if isinstance(usage, Usage) else None)
            return result

        return timed

    def _record(self, began: float, outcome: str, usage: Usage | None) -> None:
        self._metrics.record(self._capability, self._provider_name, time.perf_counter() - began, outcome, usage)


def observed(provider: P, capability: str, metrics: AIMetrics, provider_name: str) -> P:
    """`provider`, with every coroutine method it has measured under `capability`."""
    return cast(P, _Observed(provider, capability, metrics, provider_name))
