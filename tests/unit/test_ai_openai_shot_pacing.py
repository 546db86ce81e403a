"""The openai planner keeps to the same pacing as the local one, whatever the model answers: a
shot too long to read in the longest shot is cut into pieces, too many short shots are joined,
and the model is asked for about the right number of shots."""

from __future__ import annotations

from reelflow_kit.ai import SceneText, ScriptContext
from reelflow_kit.ai.openai_compat.shot_planner import ShotDraft, ShotDrafts, _messages, shot_plan_of, shots_wanted
from reelflow_kit.ai.scene_reading import spoken_text
from reelflow_kit.ai.timing import MAX_SHOT_S, MIN_SHOT_S, Pacing, reading_seconds
from reelflow_kit.ai.usage import Usage

SENTENCES = [
    f"The ferry passes buoy number {n} while the gulls circle and the spray rises over the bow." for n in range(6)
]
SCENE = SceneText(order=1, text="EXT. OPEN SEA - DAY\n\n" + " ".join(SENTENCES))  # 102 words: 40.8 s
CONTEXT = ScriptContext(title="The Last Ferry", style_suffix="watercolor illustration")


def draft(order: int, narration: str, prompt: str = "Wide shot of a ferry at sea") -> ShotDraft:
    return ShotDraft(order=order, description=f"Shot {order}", image_prompt=prompt, narration=narration)


def test_one_long_shot_from_the_model_is_cut_into_pieces_within_the_longest():
    plan = shot_plan_of(ShotDrafts(shots=[draft(1, " ".join(SENTENCES))]), SCENE, CONTEXT, usage=Usage())
    assert len(plan.shots) == 6  # 40.8 s in pieces of at most 8 s
    assert all(MIN_SHOT_S <= shot.duration_s <= MAX_SHOT_S for shot in plan.shots)
    assert plan.duration_s == reading_seconds(spoken_text(SCENE.text))
    assert " ".join(shot.narration for shot in plan.shots) == spoken_text(SCENE.text)
    assert [shot.order for shot in plan.shots] == [1, 2, 3, 4, 5, 6]
    assert plan.shots[0].image_prompt.startswith("Wide shot of a ferry at sea")
    assert plan.shots[1].image_prompt.startswith("Closer view. Wide shot")  # the same picture, another angle
    assert all(shot.image_prompt.endswith("watercolor illustration") for shot in plan.shots)


def test_too_many_short_shots_from_the_model_are_joined_to_last_the_shortest():
    words = " ".join(SENTENCES[:1]).split()  # 17 words: 6.8 s, room for two shots of 3 s at most
    scene = SceneText(order=1, text="EXT. OPEN SEA - DAY\n\n" + " ".join(words))
    drafts = ShotDrafts(shots=[draft(n, " ".join(words[n * 3 - 3 : n * 3])) for n in range(1, 7)])
    plan = shot_plan_of(drafts, scene, CONTEXT, usage=Usage())
    assert len(plan.shots) == 2 and all(shot.duration_s >= MIN_SHOT_S for shot in plan.shots)
    assert " ".join(shot.narration for shot in plan.shots) == spoken_text(scene.text)


def test_the_pacing_is_configurable_and_the_model_is_asked_for_about_the_right_number_of_shots():
    slow = Pacing(max_shot_s=20.0, min_shot_s=5.0)
    plan = shot_plan_of(ShotDrafts(shots=[draft(1, " ".join(SENTENCES))]), SCENE, CONTEXT, usage=Usage(), pacing=slow)
    assert len(plan.shots) == 3 and all(5.0 <= shot.duration_s <= 20.0 for shot in plan.shots)
    assert shots_wanted(40.8) == 7 and shots_wanted(4.0) == 1 and shots_wanted(40.8, slow) == 3
    asked = _messages(SCENE, CONTEXT, 40.8)[-1]["content"]
    assert "Shots: 7 (the scene reads in about 41 s; a shot is on screen while its narration is read, 3 to 8 s" in asked
    assert "at most 20 words of narration" in asked
