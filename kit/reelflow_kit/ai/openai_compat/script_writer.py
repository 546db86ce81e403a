"""The OpenAI-compatible script writer: the model writes a Screenplay as structured JSON."""

from __future__ import annotations

import json

from openai.types.chat import ChatCompletionMessageParam

from reelflow_kit.ai.openai_compat.json_schema import strict_json_schema
from reelflow_kit.ai.openai_compat.structured_chat import StructuredChat
from reelflow_kit.ai.screenplay import Screenplay
from reelflow_kit.ai.script_writing import WrittenScript, written

SYSTEM_PROMPT = """You are a screenwriter. Write a short, filmable screenplay from the user's premise.
Each scene has a slugline such as "INT. LIGHTHOUSE - NIGHT" or "EXT. HARBOR - DAWN" (INT. or EXT.,
a place, " - ", a time of day), then beats in order: "action" beats are present-tense description
(character empty), "dialogue" beats are one character's line (character in CAPS, parenthetical
usually empty). Keep scenes visual: each will be illustrated and narrated.
Answer with one JSON object that matches this JSON Schema, and nothing else:
"""


class OpenAIScriptWriter:
    def __init__(self, chat: StructuredChat) -> None:
        self._chat = chat

    async def write_script(
        self, premise: str, *, title_hint: str = "", target_scenes: int | None = None
    ) -> WrittenScript:
        result = await self._chat.complete(
            _messages(premise, title_hint, target_scenes), Screenplay, schema_name="screenplay"
        )
        return written(result.value, title_hint=title_hint, usage=result.usage)


def _messages(premise: str, title_hint: str, target_scenes: int | None) -> list[ChatCompletionMessageParam]:
    wishes = [f"Premise: {premise.strip()}"]
    wishes.append(f"Title: {title_hint}" if title_hint else "Propose a short title.")
    wishes.append(f"Write about {target_scenes} scenes." if target_scenes else "Write 3 to 8 scenes.")
    schema = json.dumps(strict_json_schema(Screenplay), separators=(",", ":"))
    return [
        {"role": "system", "content": SYSTEM_PROMPT + schema},
        {"role": "user", "content": "\n".join(wishes)},
    ]
