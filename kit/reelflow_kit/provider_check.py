"""Is the configured AI provider working? One real, minimal call per capability.

A model writes a one-scene script from a premise, an image is drawn, a sentence is spoken. With
`local` that is real local output (no network); with `openai` it is three real requests to the
configured base URL. Each failure says, in words, what to change. Used by `reelctl doctor` and
by the gateway's `GET /api/health/providers`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from reelflow_kit.ai import (
    AIProviderError,
    AISettings,
    ImageRequest,
    NarrationSettings,
    make_image_generator,
    make_narrator,
    make_script_writer,
)

PREMISE = "A lighthouse keeper finds a message in a bottle."
IMAGE_PROMPT = "a red lighthouse on a rock at dusk"
SENTENCE = "Reelflow is ready."


class BadAnswer(Exception):
    """The provider answered, but not with what was asked for."""


@dataclass(frozen=True)
class CapabilityCheck:
    capability: str
    ok: bool
    detail: str
    seconds: float
    fix: str = ""


@dataclass(frozen=True)
class ProviderReport:
    provider: str
    base_url: str
    checks: tuple[CapabilityCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "base_url": self.base_url,
            "ok": self.ok,
            "checks": [asdict(c) for c in self.checks],
        }


def _fix_for(settings: AISettings, capability: str, error: BaseException) -> str:
    if settings.ai_provider == "local":
        if capability == "speech":
            return "the local narrator needs eSpeak NG: `pip install espeakng-loader` (make install does)"
        return "reinstall the kit with its AI extra: pip install -e 'kit[ai]' (make install does)"
    code = error.code if isinstance(error, AIProviderError) else ""
    text = f"{code} {error}".lower()
    model = {
        "chat": f"REELFLOW_OPENAI_MODEL ({settings.openai_model})",
        "image": f"REELFLOW_OPENAI_IMAGE_MODEL ({settings.openai_image_model})",
        "speech": "REELFLOW_OPENAI_TTS_MODEL",
    }[capability]
    if "auth_failed" in text or "401" in text or "403" in text or "api key" in text:
        return "the provider refused the key: set REELFLOW_OPENAI_API_KEY to a valid key"
    if "model_not_found" in text or "404" in text or "not found" in text:
        return f"the provider does not offer the model: change {model} (or its fallback list)"
    if isinstance(error, TimeoutError) or any(w in text for w in ("unreachable", "connect", "timeout", "timed out")):
        return f"cannot reach {settings.openai_base_url}: check REELFLOW_OPENAI_BASE_URL and that the server is up"
    return f"check REELFLOW_OPENAI_BASE_URL ({settings.openai_base_url}), the key and {model}"


async def _check(
    settings: AISettings, capability: str, timeout: float, call: Callable[[], Awaitable[str]]
) -> CapabilityCheck:
    started = time.monotonic()
    try:
        detail = await asyncio.wait_for(call(), timeout)
        return CapabilityCheck(capability, True, detail, round(time.monotonic() - started, 3))
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
        what = f"no answer within {timeout:.0f}s" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
        return CapabilityCheck(
            capability, False, what[:500], round(time.monotonic() - started, 3), _fix_for(settings, capability, exc)
        )


async def check_provider(
    settings: AISettings | None = None, narration: NarrationSettings | None = None, timeout: float = 60.0
) -> ProviderReport:
    settings = settings or AISettings()
    narration = narration or NarrationSettings()

    async def chat() -> str:
        written = await make_script_writer(settings).write_script(PREMISE, target_scenes=1)
        if not written.content.strip():
            raise BadAnswer("the model answered with an empty script")
        model = written.usage.model or settings.ai_provider
        return f"{model} wrote {len(written.content)} characters ({written.title!r})"

    async def image() -> str:
        drawn = await make_image_generator(settings).generate(
            ImageRequest(prompt=IMAGE_PROMPT, width=1024, height=1024, attempt=1, feedback="")
        )
        if not drawn.png.startswith(b"\x89PNG"):
            raise BadAnswer("the image is not a PNG")
        return f"a {drawn.width}x{drawn.height} PNG of {len(drawn.png)} bytes"

    async def speech() -> str:
        spoken = await make_narrator(settings, narration).speak(SENTENCE)
        if spoken.duration_s <= 0 or not spoken.wav.startswith(b"RIFF"):
            raise BadAnswer("no audio came back")
        return f"{spoken.duration_s:.2f}s of speech"

    checks = await asyncio.gather(
        _check(settings, "chat", timeout, chat),
        _check(settings, "image", timeout, image),
        _check(settings, "speech", timeout, speech),
    )
    base_url = settings.openai_base_url if settings.ai_provider == "openai" else ""
    return ProviderReport(settings.ai_provider, base_url, tuple(checks))
