"""Every sample script, long and hostile ones included, through segmentation and shot planning,
into events the contracts accept, with every shot within the pacing's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reelflow_contracts.messages.common import StyleHints
from reelflow_contracts.messages.scene import SceneCreated, ShotPlanned
from reelflow_kit.ai import describe_script
from reelflow_kit.ai.local.segmenter import segment_text
from reelflow_kit.ai.local.shot_planner import plan_scene
from reelflow_kit.ai.scene_reading import spoken_text
from reelflow_kit.ai.segmentation import covers
from reelflow_kit.ai.timing import MAX_SHOT_S, MAX_SHOTS, MIN_SHOT_S, reading_seconds
from tests.samples import SAMPLES, load

AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_becomes_valid_scenes_and_shots(name):
    script = load(name)
    segmentation = segment_text(script)
    context = describe_script(title=name, owner_id="user-1", content=script, aspect="16:9")
    assert covers(script, segmentation.scenes)
    for scene in segmentation.scenes:
        SceneCreated(
            script_id="s-1",
            scene_id=f"scene-{scene.order}",
            order=scene.order,
            heading=scene.heading,
            text=scene.text,
            created_at=AT,
        )
        plan = plan_scene(scene, context)
        assert 1 <= len(plan.shots) <= MAX_SHOTS
        assert all(MIN_SHOT_S <= shot.duration_s <= MAX_SHOT_S for shot in plan.shots)
        assert " ".join(shot.narration for shot in plan.shots) == spoken_text(scene.text, context.characters)
        assert plan.duration_s == reading_seconds(spoken_text(scene.text, context.characters))
        for shot in plan.shots:
            ShotPlanned(
                script_id="s-1",
                scene_id=f"scene-{scene.order}",
                shot_id=f"shot-{shot.order}",
                scene_order=scene.order,
                order=shot.order,
                shot_count=len(plan.shots),
                description=shot.description,
                image_prompt=shot.image_prompt,
                duration_s=shot.duration_s,
                narration=shot.narration,
                style=StyleHints(
                    aspect=context.aspect,
                    style_suffix=context.style_suffix,
                    setting=plan.setting,
                    time_of_day=plan.time_of_day,
                    characters=shot.characters,
                ),
            )
            assert shot.image_prompt.endswith(context.style_suffix)
            assert shot.image_prompt.isprintable() and shot.narration.isprintable()
