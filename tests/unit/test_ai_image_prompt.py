"""An attempt's prompt takes the reviewer's feedback into account: folded into the prompt for
models, read by the local storyboard where it names light, place, mood or weather."""

from __future__ import annotations

import io

from PIL import Image, ImageStat

from reelflow_contracts.messages.common import MAX_FEEDBACK_CHARS
from reelflow_kit.ai import ImageRequest, compose_prompt
from reelflow_kit.ai.image_generation import MAX_PROMPT_CHARS, REVISION_LEAD
from reelflow_kit.ai.local.storyboard import paint, read_prompt

PROMPT = (
    "Medium close-up on Nora. Nora coils a rope on the empty pier. Setting: harbor (exterior). "
    "Time of day: dawn, soft pale first light. Characters: Nora. Mood: quiet and melancholic. "
    "Widescreen 16:9 composition, no text or lettering. cinematic film still, 35mm film grain, natural light"
)


def test_without_feedback_the_prompt_is_the_shots_own():
    assert compose_prompt(PROMPT) == PROMPT
    assert compose_prompt(PROMPT, "  \n ") == PROMPT


def test_feedback_follows_the_prompt_as_revision_notes():
    assert compose_prompt("A pier at dawn.", "Make it  stormier;\nshow her face.") == (
        f"A pier at dawn.\n\n{REVISION_LEAD}Make it stormier; show her face."
    )


def test_the_composed_prompt_fits_the_contracts_limit_and_keeps_the_notes_whole():
    long_prompt = " ".join(["wide shot of the harbour"] * 400)  # ~10 000 characters
    notes = "Show her face. " * 100  # 1500 characters
    composed = compose_prompt(long_prompt, notes)
    assert len(composed) <= MAX_PROMPT_CHARS
    assert composed.endswith(" ".join(notes.split())) and "…\n\n" in composed
    assert len(compose_prompt(long_prompt)) <= MAX_PROMPT_CHARS
    assert len(compose_prompt("x", "y" * MAX_FEEDBACK_CHARS * 3)) <= MAX_PROMPT_CHARS


def test_the_local_storyboard_reads_the_shot_planners_labels_not_the_style_words():
    scene = read_prompt(PROMPT)
    assert (scene.time, scene.setting, scene.interior, scene.mood, scene.characters, scene.raining) == (
        "dawn",
        "sea",
        False,
        "sad",
        ("Nora",),
        False,
    )  # "film grain" is not rain
    nobody = read_prompt(PROMPT.replace("Characters: Nora. ", "").replace("on Nora. Nora", "on the rope. It"))
    assert nobody.characters == ()
    assert read_prompt("Two shot. Setting: ferry cabin (interior). Characters: Nora and Eli.").characters == (
        "Nora",
        "Eli",
    )


def test_the_local_storyboard_follows_the_feedback_over_the_prompt():
    scene = read_prompt(PROMPT, feedback="Make it night, with rain, inside the harbor cafe.")
    assert (scene.time, scene.interior, scene.raining) == ("night", True, True)
    assert read_prompt("EXT. FIELD - DAY. Rain falls on Ada.", feedback="No rain please.").raining is False
    assert read_prompt(PROMPT, feedback="Take us outside, into the forest.").setting == "forest"


def test_feedback_visibly_changes_the_next_frame():
    def sky(feedback: str) -> float:
        data = paint(ImageRequest(prompt=PROMPT, attempt=2, feedback=feedback))
        image = Image.open(io.BytesIO(data)).convert("L")
        return ImageStat.Stat(image.crop((0, 0, image.width, image.height // 5))).mean[0]

    assert sky("Make it night.") < sky("")
