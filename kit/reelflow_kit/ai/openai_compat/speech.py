"""Narration through an OpenAI-compatible speech API (`client.audio.speech.create`).

The text is cut into sentences (`narration.split_sentences`) and the sentences are grouped, in
order, into requests of at most MAX_INPUT_CHARS characters (the API's limit; counted in UTF-16
units, as the API does), so a long narration is several requests, up to
`openai_tts_concurrency` in flight at once, whose audio is joined in order. Audio is asked for
as WAV; whatever comes back (WAV of any PCM layout and rate, streamed WAV with 0xFFFFFFFF sizes,
or MP3/FLAC/... from a server that ignores `response_format`) is converted to the narration
format, 24 kHz mono 16-bit (`audio_format`).

One `speak()` call has one time budget (`openai_deadline_s`). Each request: 429, 5xx, 408/409,
timeouts and connection errors are retried with exponential backoff, honouring
`retry-after-ms` / `Retry-After` (the client's own retries are off, so this loop is the only
one); a Retry-After over `openai_retry_after_max_s` gives up on that model at once. Models are
tried in order (`openai_tts_model`, then `openai_tts_fallback_models`): once a model gave up on a
request (retries used up, 404, 400, unreadable audio), the later requests start from the next
model too, so a narration keeps one voice where it can; 401/403 and the budget running out stop
everything. The result, or one AIProviderError naming each model's last error.

Sentence times are an estimate: within the audio of one request, each sentence gets a share
proportional to its characters (the API returns no timestamps). Across requests they are exact.

Usage: provider `openai`, the model that answered the last request (or the last one tried),
and `audio_seconds`, the audio received (on an AIProviderError too: it is billed anyway).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field

import openai

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.audio_format import SAMPLE_RATE, SAMPLE_WIDTH, WavWriter, to_narration_pcm
from reelflow_kit.ai.errors import AIProviderError
from reelflow_kit.ai.narration import (
    NarrationSettings,
    Speech,
    silence,
    speakable_text,
    split_sentences,
    timed_sentences,
)
from reelflow_kit.ai.openai_compat.calls import CallRules, ModelGaveUp, with_retries
from reelflow_kit.ai.openai_compat.failures import CallFailure
from reelflow_kit.ai.openai_compat.retry_policy import RetryPolicy
from reelflow_kit.ai.settings import AISettings

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4096
"""The speech API's limit on `input`."""


@dataclass
class _Tally:
    deadline: float
    attempts: int = 0
    audio_samples: int = 0
    model: str = ""
    failures: list[tuple[str, CallFailure]] = field(default_factory=list)

    def usage(self, model: str | None = None) -> Usage:
        return Usage(provider="openai", model=model or self.model, audio_seconds=self.audio_samples / SAMPLE_RATE)


@dataclass
class _Models:
    """The models in order, and the first one not given up on yet (shared by a call's requests)."""

    names: tuple[str, ...]
    index: int = 0

    def current(self) -> str | None:
        return self.names[self.index] if self.index < len(self.names) else None

    def give_up(self, model: str) -> None:
        if self.current() == model:
            self.index += 1


@dataclass(frozen=True)
class _Answer:
    pcm: bytes
    model: str


class _CallGaveUp(Exception):
    """No model is left for a request, or a failure ends the whole call."""


class OpenAINarrator:
    def __init__(self, settings: AISettings, narration: NarrationSettings | None = None) -> None:
        narration = narration or NarrationSettings()
        self.base_url = settings.openai_base_url
        self.models = narration.openai_tts_models
        self.voice = narration.openai_tts_voice
        self.concurrency = narration.openai_tts_concurrency
        self.policy = RetryPolicy.from_settings(settings)
        self._api_key = settings.openai_api_key.get_secret_value() or "unused"
        self._rules = CallRules(
            api="OpenAI-compatible speech API",
            base_url=self.base_url,
            policy=self.policy,
            timeout_s=settings.openai_timeout_s,
            budget_s=settings.openai_deadline_s,
        )

    async def speak(self, text: str, *, voice: str = "", language: str = "") -> Speech:
        """`language` is not sent: the models read the language from the text."""
        sentences = split_sentences(speakable_text(text))
        if not sentences:
            return silence(Usage(provider="openai", model=self.models[0]))
        groups = request_groups(sentences)
        tally = _Tally(deadline=time.monotonic() + self._rules.budget_s)
        models = _Models(self.models)
        gate = asyncio.Semaphore(self.concurrency)
        # A client per call: no connection outlives the call, so nothing needs closing later.
        async with openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self._api_key, timeout=self._rules.timeout_s, max_retries=0
        ) as client:
            requests = [
                self._spoken(client, " ".join(group), voice or self.voice, models, gate, tally) for group in groups
            ]
            try:
                answers = await _all_or_first_failure(requests)
            except _CallGaveUp:
                raise self._error(tally) from None
        model = answers[-1].model
        writer = WavWriter()
        pieces: list[tuple[list[str], int]] = []
        answers.reverse()  # popped in order: once in the WAV, hours of audio are not held twice
        for group in groups:
            pieces.append((group, writer.append(answers.pop().pcm)))
        samples = writer.samples
        return Speech(
            wav=writer.finish(),
            duration_s=samples / SAMPLE_RATE,
            sample_rate=SAMPLE_RATE,
            usage=tally.usage(model),
            sentences=timed_sentences(pieces),
        )

    async def _spoken(
        self, client: openai.AsyncOpenAI, text: str, voice: str, models: _Models, gate: asyncio.Semaphore, tally: _Tally
    ) -> _Answer:
        async with gate:
            while (model := models.current()) is not None:
                try:
                    audio = await self._request(client, model, text, voice, tally)
                    pcm = await self._converted(audio)
                    tally.audio_samples += len(pcm) // SAMPLE_WIDTH
                    return _Answer(pcm, model)
                except ModelGaveUp as gave_up:
                    tally.failures.append((model, gave_up.failure))
                    if gave_up.failure.scope == "fatal":
                        raise _CallGaveUp from None
                    log.warning("speech model gave up", extra={"model": model, "error": gave_up.failure.message})
                    models.give_up(model)
            raise _CallGaveUp

    async def _request(self, client: openai.AsyncOpenAI, model: str, text: str, voice: str, tally: _Tally) -> bytes:
        async def send(timeout_s: float) -> bytes:
            tally.model = model
            response = await client.audio.speech.create(
                model=model, voice=voice, input=text, response_format="wav", timeout=timeout_s
            )
            return response.content

        return await with_retries(self._rules, tally, send)

    @staticmethod
    async def _converted(audio: bytes) -> bytes:
        try:
            pcm = await asyncio.to_thread(to_narration_pcm, audio)
        except ValueError as exc:
            raise ModelGaveUp(CallFailure("invalid_output", f"unreadable audio: {exc}", "next_model")) from None
        if not pcm:
            raise ModelGaveUp(CallFailure("invalid_output", "the answer has no audio", "next_model"))
        return pcm

    def _error(self, tally: _Tally) -> AIProviderError:
        last = tally.failures[-1][1]
        per_model = "; ".join(f"{model}: {failure.message}" for model, failure in _last_per_model(tally.failures))
        message = (
            f"OpenAI-compatible speech API at {self.base_url} failed after {tally.attempts} "
            f"request{'s' if tally.attempts != 1 else ''} ({per_model})"
        )
        return AIProviderError(
            last.code, message, attempts=tally.attempts, usage=tally.usage(), retry_after=last.retry_after
        )


def request_groups(sentences: list[str], limit: int = MAX_INPUT_CHARS) -> list[list[str]]:
    """The sentences in order, grouped into requests whose text (the sentences joined by spaces)
    is at most `limit` UTF-16 units. Every sentence is assumed to fit on its own
    (`split_sentences` keeps them far shorter)."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for sentence in sentences:
        units = _utf16_units(sentence)
        if current and size + 1 + units > limit:
            groups.append(current)
            current, size = [], 0
        size += units + (1 if current else 0)
        current.append(sentence)
    if current:
        groups.append(current)
    return groups


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _last_per_model(failures: list[tuple[str, CallFailure]]) -> list[tuple[str, CallFailure]]:
    """Each model's last failure, models in the order they first failed."""
    last: dict[str, CallFailure] = {}
    for model, failure in failures:
        last[model] = failure
    return list(last.items())


async def _all_or_first_failure(calls: Sequence[Awaitable[_Answer]]) -> list[_Answer]:
    """Runs the coroutines concurrently; their results in order, or the first exception once the
    others are cancelled (and awaited, so none outlives the client)."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
    return [task.result() for task in tasks]
