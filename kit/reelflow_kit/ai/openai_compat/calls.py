"""One OpenAI-compatible call, whatever it asks for: each model in turn, each request retried by
the policy, all within the call's time budget, ending in a result or one AIProviderError.

What a model is asked and how its answer is read stays with each adapter (`StructuredChat`,
`OpenAIImageGenerator`); they raise `ModelGaveUp` when a model's answer will not do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import openai

from reelflow_kit.ai.errors import AIProviderError
from reelflow_kit.ai.openai_compat.failures import CallFailure, classify
from reelflow_kit.ai.openai_compat.retry_policy import RetryPolicy
from reelflow_kit.ai.openai_compat.tally import CallTally

log = logging.getLogger(__name__)

R = TypeVar("R")


class ModelGaveUp(Exception):
    """This model will not answer this call; `failure.scope` says whether the next model may."""

    def __init__(self, failure: CallFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Attempts(Protocol):
    """What the retry loop keeps up to date on a call's tally."""

    deadline: float
    attempts: int
    model: str


@dataclass(frozen=True)
class CallRules:
    api: str
    """What the errors call the server, e.g. "OpenAI-compatible images API"."""
    base_url: str
    policy: RetryPolicy
    timeout_s: float
    """One request's limit."""
    budget_s: float
    """The whole call's limit: no request starts, and no wait begins, that would overrun it."""

    def tally(self) -> CallTally:
        return CallTally(deadline=time.monotonic() + self.budget_s)


async def across_models(
    rules: CallRules,
    models: Sequence[str],
    tally: CallTally,
    with_model: Callable[[str], Awaitable[R]],
    *,
    report_retry_after: bool = False,
) -> R:
    """`with_model(model)` for each model in turn until one answers; AIProviderError when none does."""
    for model in models:
        tally.model = model
        try:
            return await with_model(model)
        except ModelGaveUp as gave_up:
            tally.failures.append((model, gave_up.failure))
            if gave_up.failure.scope == "fatal":
                break
            log.warning("model gave up", extra={"api": rules.api, "model": model, "error": gave_up.failure.message})
    last = tally.failures[-1][1]
    per_model = "; ".join(f"{model}: {failure.message}" for model, failure in tally.failures)
    message = (
        f"{rules.api} at {rules.base_url} failed after {tally.attempts} "
        f"request{'s' if tally.attempts != 1 else ''} ({per_model})"
    )
    retry_after = {"retry_after": last.retry_after} if report_retry_after else {}
    raise AIProviderError(last.code, message, attempts=tally.attempts, usage=tally.usage(), **retry_after)


async def with_retries(rules: CallRules, tally: Attempts, send: Callable[[float], Awaitable[R]]) -> R:
    """`send(timeout_s)` until it answers, retrying what the policy retries; ModelGaveUp otherwise."""
    retry = 0
    while True:
        remaining = tally.deadline - time.monotonic()
        if remaining <= 0:
            raise ModelGaveUp(
                CallFailure("deadline_exceeded", f"the {rules.budget_s:g}s time budget is used up", "fatal")
            )
        tally.attempts += 1
        try:
            return await send(min(rules.timeout_s, remaining))
        except openai.OpenAIError as exc:
            failure = classify(exc)
        policy = rules.policy
        if failure.scope != "retry" or retry >= policy.max_retries:
            raise ModelGaveUp(failure)
        if policy.waits_too_long(failure.retry_after):
            raise ModelGaveUp(
                failure.with_note(
                    f"Retry-After {failure.retry_after:g}s is over the {policy.retry_after_max_s:g}s limit"
                )
            )
        retry += 1
        delay = policy.delay(retry, failure.retry_after)
        if time.monotonic() + delay > tally.deadline:
            raise ModelGaveUp(
                failure.final(f"waiting {delay:.3g}s more would overrun the {rules.budget_s:g}s time budget")
            )
        log.warning(
            "provider request failed, retrying",
            extra={
                "api": rules.api,
                "model": tally.model,
                "error": failure.message,
                "retry": retry,
                "delay_s": round(delay, 3),
            },
        )
        await asyncio.sleep(delay)
