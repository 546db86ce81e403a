"""The `local` provider: offline, deterministic, no key.

The providers are imported on first use: the provider-neutral modules (`scene_reading`,
`characters`, `segmentation`) use this package's word lists and patterns, and importing the
providers eagerly here would import those modules back while they are half-initialised.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reelflow_kit.ai.local.script_writer import LocalScriptWriter
    from reelflow_kit.ai.local.segmenter import LocalSegmenter
    from reelflow_kit.ai.local.shot_planner import LocalShotPlanner
    from reelflow_kit.ai.local.storyboard import LocalImageGenerator

_PROVIDERS = {
    "LocalImageGenerator": "reelflow_kit.ai.local.storyboard",
    "LocalScriptWriter": "reelflow_kit.ai.local.script_writer",
    "LocalSegmenter": "reelflow_kit.ai.local.segmenter",
    "LocalShotPlanner": "reelflow_kit.ai.local.shot_planner",
}

__all__ = ["LocalImageGenerator", "LocalScriptWriter", "LocalSegmenter", "LocalShotPlanner"]


def __getattr__(name: str) -> object:
    if name in _PROVIDERS:
        return getattr(import_module(_PROVIDERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
