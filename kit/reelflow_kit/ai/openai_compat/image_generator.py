"""Image generation through an OpenAI-compatible images API (`client.images.generate`).

One `generate()` call tries the configured image models in order (`openai_image_model`, then
`openai_image_fallback_models`) within the time budget (`openai_deadline_s`). For each model:
the size asked for is the supported one closest in shape to the frame (`image_sizes`), and
`response_format=b64_json` is sent only to the models that take it (DALL-E; GPT image models
always answer in base64 and refuse the parameter). 429, 5xx, 408/409, timeouts and connection
errors are retried with exponential backoff, honouring `retry-after-ms` / `Retry-After` (the
client's own retries are off, so this loop is the only one); a Retry-After longer than
`openai_retry_after_max_s` moves on to the next model at once, and is reported on the final
AIProviderError (`retry_after`, as is the last one that was honoured) so a durable job can
come back after it. An answer without a
readable image is `invalid_output` and the next model takes over; 404 (`model_not_found`) and
400 (`bad_request`, e.g. a refused prompt or a size the model does not draw) likewise; 401/403
stop at once. The answer (base64, or a URL to download) is scaled to cover the requested frame,
centre-cropped and encoded as PNG, so the result is always exactly width x height.

The reviewer's feedback is folded into the prompt (`compose_prompt`). Usage: one image, the
model that answered, and the tokens GPT image models report.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from typing import Any

import httpx
import openai
from openai.types import ImagesResponse

from reelflow_kit.ai.image_generation import GeneratedImage, ImageRequest, compose_prompt
from reelflow_kit.ai.openai_compat.calls import CallRules, ModelGaveUp, across_models, with_retries
from reelflow_kit.ai.openai_compat.failures import CallFailure
from reelflow_kit.ai.openai_compat.image_sizes import api_size, fit_png, size_text, spec_for
from reelflow_kit.ai.openai_compat.retry_policy import RetryPolicy
from reelflow_kit.ai.openai_compat.tally import CallTally
from reelflow_kit.ai.settings import AISettings

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024


class OpenAIImageGenerator:
    def __init__(self, settings: AISettings) -> None:
        self.base_url = settings.openai_base_url
        self.models = settings.openai_image_models
        self.quality = settings.openai_image_quality
        self.policy = RetryPolicy.from_settings(settings)
        self._api_key = settings.openai_api_key.get_secret_value() or "unused"
        self._rules = CallRules(
            api="OpenAI-compatible images API",
            base_url=self.base_url,
            policy=self.policy,
            timeout_s=settings.openai_timeout_s,
            budget_s=settings.openai_deadline_s,
        )

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        tally = self._rules.tally()
        prompt = compose_prompt(request.prompt, request.feedback)
        # A client per call: no connection outlives the call, so nothing needs closing later.
        async with openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self._api_key, timeout=self._rules.timeout_s, max_retries=0
        ) as client:
            return await across_models(
                self._rules,
                self.models,
                tally,
                lambda model: self._with_model(client, model, prompt, request, tally),
                report_retry_after=True,
            )

    async def _with_model(
        self, client: openai.AsyncOpenAI, model: str, prompt: str, request: ImageRequest, tally: CallTally
    ) -> GeneratedImage:
        spec = spec_for(model)
        size = api_size(spec, request.width, request.height)
        arguments: dict[str, Any] = {  # keyword arguments: `quality` is any text a compatible server takes
            "model": model,
            "prompt": _shortened(prompt, spec.prompt_limit),
            "n": 1,
            "size": size_text(size),
        }
        if spec.sends_response_format:
            arguments["response_format"] = "b64_json"
        if self.quality:
            arguments["quality"] = self.quality
        response = await self._request(client, arguments, tally)
        data = await self._image_bytes(response, tally)
        try:
            png = await asyncio.to_thread(fit_png, data, request.width, request.height)
        except ValueError as exc:
            raise ModelGaveUp(CallFailure("invalid_output", str(exc), "next_model")) from None
        assert response.data is not None  # the image was read from it
        item = response.data[0]
        return GeneratedImage(
            png=png,
            width=request.width,
            height=request.height,
            usage=tally.usage(),
            revised_prompt=item.revised_prompt or "",
        )

    async def _request(self, client: openai.AsyncOpenAI, arguments: dict[str, Any], tally: CallTally) -> ImagesResponse:
        async def send(timeout_s: float) -> ImagesResponse:
            # keyword arguments from a dict match every overload; without `stream` it is this one
            response: ImagesResponse = await client.images.generate(**arguments, timeout=timeout_s)
            tally.images += len(response.data or [])
            usage = getattr(response, "usage", None)
            if usage is not None:
                tally.input_tokens += getattr(usage, "input_tokens", 0) or 0
                tally.output_tokens += getattr(usage, "output_tokens", 0) or 0
            return response

        return await with_retries(self._rules, tally, send)

    async def _image_bytes(self, response: ImagesResponse, tally: CallTally) -> bytes:
        items = response.data or []
        if not items:
            raise ModelGaveUp(CallFailure("invalid_output", "the response has no image", "next_model"))
        item = items[0]
        if item.b64_json:
            try:
                return base64.b64decode(item.b64_json, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ModelGaveUp(
                    CallFailure("invalid_output", f"b64_json is not base64: {exc}", "next_model")
                ) from None
        if item.url:
            return await self._download(item.url, tally)
        raise ModelGaveUp(CallFailure("invalid_output", "the image has neither b64_json nor url", "next_model"))

    async def _download(self, url: str, tally: CallTally) -> bytes:
        """An image answered by URL (servers that ignore `response_format`)."""
        remaining = max(1.0, tally.deadline - time.monotonic())
        try:
            async with httpx.AsyncClient(timeout=min(self._rules.timeout_s, remaining), follow_redirects=True) as http:
                async with http.stream("GET", url) as answer:
                    answer.raise_for_status()
                    chunks, size = [], 0
                    async for chunk in answer.aiter_bytes():
                        size += len(chunk)
                        if size > MAX_DOWNLOAD_BYTES:
                            raise ModelGaveUp(
                                CallFailure(
                                    "invalid_output",
                                    f"the image at its URL is over {MAX_DOWNLOAD_BYTES} bytes",
                                    "next_model",
                                )
                            )
                        chunks.append(chunk)
                    return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise ModelGaveUp(
                CallFailure(
                    "provider_unavailable", f"cannot download the image: {type(exc).__name__}: {exc}", "next_model"
                )
            ) from None


def _shortened(prompt: str, limit: int) -> str:
    if len(prompt) <= limit:
        return prompt
    head = prompt[: limit - 1]
    return (head[: head.rindex(" ")] if " " in head[limit // 2 :] else head) + "…"
