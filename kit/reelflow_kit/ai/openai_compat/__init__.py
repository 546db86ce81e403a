"""The `openai` provider: any OpenAI-compatible chat and images API (OpenAI, OpenRouter, Ollama, vLLM)."""

from reelflow_kit.ai.openai_compat.image_generator import OpenAIImageGenerator
from reelflow_kit.ai.openai_compat.script_writer import OpenAIScriptWriter
from reelflow_kit.ai.openai_compat.segmenter import OpenAISegmenter
from reelflow_kit.ai.openai_compat.shot_planner import OpenAIShotPlanner
from reelflow_kit.ai.openai_compat.structured_chat import StructuredChat, StructuredResult

__all__ = [
    "OpenAIImageGenerator",
    "OpenAIScriptWriter",
    "OpenAISegmenter",
    "OpenAIShotPlanner",
    "StructuredChat",
    "StructuredResult",
]
