"""The OpenAI-compatible segmenter: the model says where scenes start; the script is cut there.

The model answers `SceneStarts` (each scene's opening words) rather than the scenes' text, so
a long script costs few output tokens and the scenes are the script's own text, exactly
(`cut_points`). If an opening is not found in order, the model gets one repair request naming
each problem; if its second answer does not fit either, or it never gives valid JSON, the
local rules segment the script and the result says so (`fell_back`, `note`). A scene the
model leaves longer than the local rules' maximum (2400 characters) that is not under a
slugline is cut at its breaks as the local rules cut a long chapter (`split_long_scenes`).
Provider failures (HTTP errors, timeouts, no connection, after StructuredChat's retries and
fallback models) raise AIProviderError, with the usage of every request made.
"""

from __future__ import annotations

import asyncio
import json
import logging

from openai.types.chat import ChatCompletionMessageParam

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.cut_points import MAX_AI_SCENES, Cut, SceneStarts, cut_at_starts
from reelflow_kit.ai.errors import AIProviderError
from reelflow_kit.ai.local.segmenter import segment_text, split_long_scenes
from reelflow_kit.ai.openai_compat.json_schema import strict_json_schema
from reelflow_kit.ai.openai_compat.structured_chat import StructuredChat
from reelflow_kit.ai.segmentation import EmptyScript, Segmentation
from reelflow_kit.ai.usage import added

log = logging.getLogger(__name__)

MAX_NOTE_CHARS = 2000
SCHEMA_NAME = "scene_starts"
SYSTEM_PROMPT = f"""You split a script into scenes for a video. A new scene starts where the place or
time changes (a slugline such as "INT. KITCHEN - NIGHT", a heading such as "# Chapter 2" or "Scene 3"),
or, in prose, where the action moves on; aim for scenes of 30 seconds to 2 minutes when read aloud,
and at most {MAX_AI_SCENES} scenes. Do not rewrite or summarise anything.
For each scene, in order, give `starts_with`: the first 6 to 12 words of the scene, copied exactly
from the script, character for character (for text written without spaces, the first 10 to 30
characters). Choose openings that are unique enough to be found. Scene 1 starts at the
beginning of the script's text (a title page or FADE IN: belongs to scene 1).
Answer with one JSON object that matches this JSON Schema, and nothing else:
"""


class OpenAISegmenter:
    def __init__(self, chat: StructuredChat) -> None:
        self._chat = chat

    async def segment(self, script: str) -> Segmentation:
        if not script.strip():
            raise EmptyScript("the script is empty: there is no text to cut into scenes")
        conversation = _messages(script)
        usage, attempts = Usage(provider="openai"), 0
        try:
            first = await self._chat.complete(conversation, SceneStarts, schema_name=SCHEMA_NAME)
            usage, attempts = added(usage, first.usage), attempts + first.attempts
            cut = cut_at_starts(script, first.value)
            if cut.ok:
                return Segmentation(scenes=split_long_scenes(cut.scenes), usage=usage, method="ai")
            log.info(
                "the model's scene starts do not fit the script, asking once more", extra={"problems": cut.problems[:5]}
            )
            repaired = await self._chat.complete(
                [
                    *conversation,
                    {"role": "assistant", "content": first.value.model_dump_json()},
                    {"role": "user", "content": repair_request(cut)},
                ],
                SceneStarts,
                schema_name=SCHEMA_NAME,
            )
            usage, attempts = added(usage, repaired.usage), attempts + repaired.attempts
            second = cut_at_starts(script, repaired.value)
            if second.ok:
                return Segmentation(scenes=split_long_scenes(second.scenes), usage=usage, method="ai")
            reason = "after one repair, the model's scenes still do not cover the script: " + "; ".join(second.problems)
        except AIProviderError as failed:
            if failed.code != "invalid_output":
                raise AIProviderError(
                    failed.code, failed.message, attempts=attempts + failed.attempts, usage=added(usage, failed.usage)
                ) from failed
            usage = added(usage, failed.usage)
            reason = f"the model gave no valid answer: {failed.message}"
        return await _fall_back(script, reason, usage)


async def _fall_back(script: str, reason: str, usage: Usage) -> Segmentation:
    local = await asyncio.to_thread(segment_text, script)
    note = f"{reason}; segmented locally by {local.method} instead"
    log.warning("AI segmentation fell back to local rules", extra={"note": note[:500]})
    if len(note) > MAX_NOTE_CHARS:
        note = note[: MAX_NOTE_CHARS - 1] + "…"
    return Segmentation(scenes=local.scenes, usage=usage, method=local.method, fell_back=True, note=note)


def repair_request(cut: Cut) -> str:
    listed = "\n".join(f"- {problem}" for problem in cut.problems[:20])
    more = f"\n- and {len(cut.problems) - 20} more" if len(cut.problems) > 20 else ""
    return (
        "Those scene openings do not cut the script cleanly:\n" + listed + more + "\n"
        "Copy each scene's first words exactly as they appear in the script, in the script's order, "
        "and reply with the corrected JSON object only."
    )


def _messages(script: str) -> list[ChatCompletionMessageParam]:
    schema = json.dumps(strict_json_schema(SceneStarts), separators=(",", ":"))
    return [
        {"role": "system", "content": SYSTEM_PROMPT + schema},
        {"role": "user", "content": f"The script, between the lines of dashes:\n-----\n{script}\n-----"},
    ]
