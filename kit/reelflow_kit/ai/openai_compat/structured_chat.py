"""Chat completions that must answer with JSON matching a pydantic model.

One `complete()` call tries the configured models in order, within a time budget
(`openai_deadline_s`: no request starts and no wait is begun that would overrun it). For each model: requests failing
with 429/5xx/timeouts/connection errors are retried with exponential backoff, honouring
Retry-After (the client's own retries are off, so this loop is the only one); an answer that does
not validate gets one repair round (the validation error is sent back with a request for
corrected JSON); when the retries or the repair are used up, the next model takes over. An
authentication failure stops at once. Whatever happens, the caller gets a validated model with
the token usage of every request, or one AIProviderError.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ValidationError

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.openai_compat.calls import CallRules, ModelGaveUp, across_models, with_retries
from reelflow_kit.ai.openai_compat.failures import CallFailure
from reelflow_kit.ai.openai_compat.json_schema import response_format
from reelflow_kit.ai.openai_compat.retry_policy import RetryPolicy
from reelflow_kit.ai.openai_compat.tally import CallTally
from reelflow_kit.ai.settings import AISettings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
Message = ChatCompletionMessageParam

_FENCED = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class StructuredResult(Generic[T]):
    value: T
    usage: Usage
    attempts: int


class _InvalidOutput(Exception):
    def __init__(self, problem: str, content: str = "") -> None:
        super().__init__(problem)
        self.content = content


class StructuredChat:
    def __init__(self, settings: AISettings) -> None:
        self.base_url = settings.openai_base_url
        self.models = settings.openai_models
        self.temperature = settings.openai_temperature
        self.policy = RetryPolicy.from_settings(settings)
        self._api_key = settings.openai_api_key.get_secret_value() or "unused"
        self._rules = CallRules(
            api="OpenAI-compatible API",
            base_url=self.base_url,
            policy=self.policy,
            timeout_s=settings.openai_timeout_s,
            budget_s=settings.openai_deadline_s,
        )

    async def complete(self, messages: list[Message], output: type[T], *, schema_name: str) -> StructuredResult[T]:
        tally = self._rules.tally()
        fmt = response_format(output, schema_name)
        # A client per call: no connection outlives the call, so nothing needs closing later.
        async with openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self._api_key, timeout=self._rules.timeout_s, max_retries=0
        ) as client:
            value = await across_models(
                self._rules,
                self.models,
                tally,
                lambda model: self._with_model(client, model, list(messages), output, fmt, tally),
            )
        return StructuredResult(value=value, usage=tally.usage(), attempts=tally.attempts)

    async def _with_model(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        conversation: list[Message],
        output: type[T],
        fmt: ResponseFormatJSONSchema,
        tally: CallTally,
    ) -> T:
        completion = await self._request(client, model, conversation, fmt, tally)
        try:
            return _parsed(completion, output)
        except _InvalidOutput as invalid:
            log.info("invalid structured output, asking for a repair", extra={"model": model, "error": str(invalid)})
            conversation = [
                *conversation,
                {"role": "assistant", "content": invalid.content},
                {"role": "user", "content": _repair_request(str(invalid))},
            ]
        completion = await self._request(client, model, conversation, fmt, tally)
        try:
            return _parsed(completion, output)
        except _InvalidOutput as still_invalid:
            raise ModelGaveUp(
                CallFailure("invalid_output", f"invalid output after one repair: {still_invalid}", "next_model")
            ) from None

    async def _request(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        conversation: list[Message],
        fmt: ResponseFormatJSONSchema,
        tally: CallTally,
    ) -> ChatCompletion:
        async def send(timeout_s: float) -> ChatCompletion:
            completion = await client.chat.completions.create(
                model=model, messages=conversation, response_format=fmt, temperature=self.temperature, timeout=timeout_s
            )
            if completion.usage is not None:
                tally.input_tokens += completion.usage.prompt_tokens or 0
                tally.output_tokens += completion.usage.completion_tokens or 0
            return completion

        return await with_retries(self._rules, tally, send)


def _parsed(completion: ChatCompletion, output: type[T]) -> T:
    content = _content_of(completion)
    try:
        return output.model_validate_json(_unfenced(content))
    except ValidationError as exc:
        raise _InvalidOutput(_describe(exc), content) from None


def _content_of(completion: ChatCompletion) -> str:
    if not completion.choices:
        raise _InvalidOutput("the response has no choices")
    choice = completion.choices[0]
    if getattr(choice.message, "refusal", None):
        raise _InvalidOutput(f"the model refused: {choice.message.refusal}")
    if choice.finish_reason == "length":
        raise _InvalidOutput(
            "the answer was cut off at the token limit; answer more briefly", choice.message.content or ""
        )
    if not choice.message.content:
        raise _InvalidOutput("the answer is empty")
    return choice.message.content


def _unfenced(content: str) -> str:
    match = _FENCED.match(content)
    return match.group(1) if match else content


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:10]:
        where = ".".join(str(p) for p in err["loc"]) or "the JSON"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _repair_request(problem: str) -> str:
    return (
        f"That reply is not valid: {problem}. Reply again with only the corrected JSON object, "
        "matching the schema exactly, and nothing else."
    )
