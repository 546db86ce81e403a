"""AI providers for Reelflow services: one small interface per capability, two providers.

    from reelflow_kit.ai import AISettings, AIProviderError, make_script_writer

    writer = make_script_writer(settings)          # settings: AISettings (or a subclass)
    try:
        script = await writer.write_script("A lighthouse keeper finds...", title_hint="", target_scenes=5)
    except AIProviderError as err:                  # err.code, err.attempts, err.usage, str(err)
        ...
    script.title, script.content, script.usage      # usage goes on the emitted event

    segmentation = await make_segmenter(settings).segment(script_text)     # scenes, method, fell_back, note, usage
    context = describe_script(title=..., owner_id=..., content=script_text, aspect="16:9")
    plan = await make_shot_planner(settings).plan_shots(segmentation.scenes[0], context=context)

    image = await make_image_generator(settings).generate(ImageRequest(prompt=..., width=1920, height=1080,
                                                                       attempt=1, feedback=""))
    image.png, image.width, image.height, image.usage   # a PNG of exactly the requested size

Providers (`REELFLOW_AI_PROVIDER`): `local` (default; offline, deterministic) and `openai`
(any OpenAI-compatible API; see AISettings). Capabilities: script writing, segmentation, shot
planning, image generation; narration follows as a sibling interface and factory.
"""

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai.errors import AIProviderError
from reelflow_kit.ai.factory import (
    make_image_generator,
    make_narrator,
    make_script_writer,
    make_segmenter,
    make_shot_planner,
)
from reelflow_kit.ai.image_generation import GeneratedImage, ImageGenerator, ImageRequest, compose_prompt
from reelflow_kit.ai.narration import NarrationSettings, Narrator, Speech, SpokenSentence
from reelflow_kit.ai.screenplay import Beat, Scene, Screenplay, render_screenplay
from reelflow_kit.ai.script_writing import ScriptWriter, WrittenScript
from reelflow_kit.ai.segmentation import (
    EmptyScript,
    SceneText,
    Segmentation,
    Segmenter,
    clamp_heading,
    covers,
    heading_of,
)
from reelflow_kit.ai.settings import AIProviderName, AISettings
from reelflow_kit.ai.shot_planning import PlannedShot, ScriptContext, ShotPlan, ShotPlanner, describe_script

__all__ = [
    "NarrationSettings",
    "Narrator",
    "Speech",
    "SpokenSentence",
    "make_narrator",
    "AIProviderError",
    "AIProviderName",
    "AISettings",
    "Beat",
    "EmptyScript",
    "GeneratedImage",
    "ImageGenerator",
    "ImageRequest",
    "PlannedShot",
    "Scene",
    "SceneText",
    "Screenplay",
    "ScriptContext",
    "ScriptWriter",
    "Segmentation",
    "Segmenter",
    "ShotPlan",
    "ShotPlanner",
    "Usage",
    "WrittenScript",
    "compose_prompt",
    "covers",
    "describe_script",
    "heading_of",
    "clamp_heading",
    "make_image_generator",
    "make_script_writer",
    "make_segmenter",
    "make_shot_planner",
    "render_screenplay",
]
