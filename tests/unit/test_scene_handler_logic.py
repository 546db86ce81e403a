"""The scene service's handler logic that needs no servers: segmentation outcomes and how a shot
plan becomes stored shots and ShotPlanned events."""

from __future__ import annotations

from datetime import datetime, timezone

from reelflow_contracts.messages.base import Usage
from reelflow_kit.ai import AIProviderError, PlannedShot, SceneText, Segmentation, ShotPlan
from reelflow_kit.handling import derived_id
from reelflow_scene.domain import Scene, ScriptFacts
from reelflow_scene.handlers.segmentation import SegmentationProblem, segment
from reelflow_scene.handlers.shot_planning import (
    context_of, shot_planned_event, shots_of, usage_of_shot,
)

AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone.utc)
USAGE = Usage(provider="openai", model="planner", input_tokens=300, output_tokens=900)
SCENE = Scene.found("scene-1", "script-1", 3, "INT. CAFE - NIGHT", "INT. CAFE - NIGHT\n\nSoup.", AT).approved(AT)
FACTS = ScriptFacts(id="script-1", owner_id="user-1", title="Tides", aspect="9:16", characters=("Nora", "Eli"),
                    style_suffix="watercolor illustration", approved_at=AT, segmented=True, scene_count=4)
PLAN = ShotPlan(shots=[PlannedShot(1, "Wide shot: soup.", "Wide shot. Soup. watercolor illustration", 3.0, "Soup.",
                                   ("Nora",)),
                       PlannedShot(2, "Close-up: Eli.", "Close-up. Eli. watercolor illustration", 2.5, "", ("Eli",))],
                setting="cafe (interior)", time_of_day="night", usage=USAGE)


class SegmenterSaying:
    def __init__(self, outcome):
        self.outcome = outcome

    async def segment(self, script: str) -> Segmentation:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


async def test_a_provider_that_gives_up_is_a_problem_carrying_its_code_attempts_and_usage():
    failure = AIProviderError("provider_unavailable", "HTTP 500: down", attempts=4, usage=USAGE)
    problem = await segment(SegmenterSaying(failure), "EXT. SEA - DAY\n\nWaves.")
    assert problem == SegmentationProblem("provider_unavailable", "HTTP 500: down", 4, USAGE)


async def test_a_script_of_only_whitespace_is_an_empty_script_problem():
    from reelflow_kit.ai import make_segmenter

    problem = await segment(make_segmenter(), " \n\n\t ")
    assert isinstance(problem, SegmentationProblem) and problem.code == "empty_script"


async def test_more_scenes_than_allowed_is_a_problem_naming_the_cap_not_a_thousand_events():
    many = Segmentation(scenes=[SceneText(order=n, text=f"INT. ROOM {n} - DAY") for n in range(1, 5)],
                        method="sluglines")
    problem = await segment(SegmenterSaying(many), "...", max_scenes=3)
    assert problem.code == "too_many_scenes" and "4 scenes" in problem.error
    assert "at most 3 scenes per script" in problem.error
    assert await segment(SegmenterSaying(many), "...", max_scenes=4) is many


async def test_a_good_segmentation_passes_through():
    good = Segmentation(scenes=[SceneText(order=1, text="Waves.")], method="paragraphs")
    assert await segment(SegmenterSaying(good), "Waves.") is good


def test_the_script_facts_are_the_planning_context():
    context = context_of(FACTS)
    assert (context.title, context.characters, context.style_suffix, context.aspect) == (
        "Tides", ("Nora", "Eli"), "watercolor illustration", "9:16")
    assert context_of(None).aspect == "16:9"


def test_shots_get_ids_from_the_scene_and_their_order_and_the_scripts_style():
    shots = shots_of(SCENE, PLAN, context_of(FACTS))
    assert [s.id for s in shots] == [derived_id("scene-1", "shot", 1), derived_id("scene-1", "shot", 2)]
    first = shots[0]
    assert (first.script_id, first.scene_id, first.scene_order, first.order, first.shot_count) == (
        "script-1", "scene-1", 3, 1, 2)
    assert (first.aspect, first.style_suffix, first.setting, first.time_of_day, first.characters) == (
        "9:16", "watercolor illustration", "cafe (interior)", "night", ("Nora",))


def test_shot_planned_carries_everything_the_image_and_video_services_need():
    shot = shots_of(SCENE, PLAN, context_of(FACTS))[0]
    event = shot_planned_event(shot, USAGE)
    assert (event.script_id, event.scene_id, event.shot_id, event.scene_order, event.order, event.shot_count) == (
        "script-1", "scene-1", shot.id, 3, 1, 2)
    assert (event.description, event.image_prompt, event.duration_s, event.narration) == (
        "Wide shot: soup.", "Wide shot. Soup. watercolor illustration", 3.0, "Soup.")
    assert event.style.model_dump() == {"aspect": "9:16", "style_suffix": "watercolor illustration",
                                        "setting": "cafe (interior)", "time_of_day": "night",
                                        "characters": ("Nora",)}
    assert event.usage == USAGE


def test_the_planning_calls_usage_rides_on_the_first_shot_only():
    assert usage_of_shot(1, USAGE) == USAGE
    later = usage_of_shot(2, USAGE)
    assert (later.provider, later.model, later.input_tokens, later.output_tokens) == ("openai", "planner", 0, 0)
