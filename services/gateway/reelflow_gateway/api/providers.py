"""GET /api/health/providers: does the configured AI provider answer? (for the studio and operators)

One real, minimal call per capability (`reelflow_kit.provider_check`): a model writes a short
script, an image is drawn, a sentence is spoken. With a paid provider each check costs a little,
so a report is reused for `CACHE_S` seconds and only signed-in users may ask.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter

from reelflow_gateway.deps import CurrentUser
from reelflow_gateway.errors import json_response, responses
from reelflow_kit.ai import AISettings, NarrationSettings
from reelflow_kit.provider_check import ProviderReport, check_provider

router = APIRouter(tags=["health"])

CACHE_S = 60.0
CHECK_TIMEOUT_S = 60.0


class _LastReport:
    def __init__(self) -> None:
        self.report: ProviderReport | None = None
        self.at = 0.0
        self.lock = asyncio.Lock()

    async def get(self) -> tuple[ProviderReport, float]:
        async with self.lock:
            if self.report is None or time.monotonic() - self.at > CACHE_S:
                self.report = await check_provider(AISettings(), NarrationSettings(), timeout=CHECK_TIMEOUT_S)
                self.at = time.monotonic()
            return self.report, time.monotonic() - self.at


_last = _LastReport()

REPORT = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["provider", "ok", "checks"],
            "properties": {
                "provider": {"type": "string"},
                "base_url": {"type": "string"},
                "ok": {"type": "boolean"},
                "age_s": {"type": "number"},
                "checks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "capability": {"type": "string", "enum": ["chat", "image", "speech"]},
                            "ok": {"type": "boolean"},
                            "detail": {"type": "string"},
                            "seconds": {"type": "number"},
                            "fix": {"type": "string"},
                        },
                    },
                },
            },
        }
    }
}


@router.get(
    "/health/providers",
    summary="Whether the AI provider answers: a model writes, an image is drawn, speech is made",
    responses={
        **responses(401),
        200: {"description": "every capability answered", "content": REPORT},
        503: {"description": "a capability failed; `fix` says what to change", "content": REPORT},
    },
)
async def provider_health(user: CurrentUser):
    report, age = await _last.get()
    return json_response({**report.as_json(), "age_s": round(age, 1)}, 200 if report.ok else 503)
