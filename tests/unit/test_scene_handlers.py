"""The scene service's handler decisions, with an in-memory unit of work (the integration tests
prove the same handlers on Kafka and MongoDB): segmentation of an approved script, the scene
commands, the plan-shots job and its give-up, and how a plan becomes shots and ShotPlanned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import DEAD_LETTERED
from reelflow_contracts.messages.scene import (
    ApproveScene,
    SceneApproved,
    SceneCreated,
    SceneUpdated,
    ScriptSegmented,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
    UpdateScene,
)
from reelflow_contracts.messages.script import ScriptApproved
from reelflow_kit.ai import (
    AIProviderError,
    EmptyScript,
    PlannedShot,
    SceneText,
    ScriptContext,
    Segmentation,
    ShotPlan,
)
from reelflow_kit.ai.timing import Pacing
from reelflow_kit.content_caps import MAX_SHOTS_PER_SCENE
from reelflow_kit.failures import Failure
from reelflow_kit.handling import derived_id
from reelflow_scene.domain import Scene, ScriptFacts, ShotPlanning, Status
from reelflow_scene.handlers import (
    PLAN_SHOTS,
    approve_scene,
    give_up_planning,
    plan_shots_with,
    script_not_segmented,
    segment_script_with,
    update_scene,
)
from reelflow_scene.handlers.shots import context_of, shot_planned_event, shots_of, usage_of_shot
from tests.support.fakes import Queued, delivered, job
from tests.support.fakes.scene import FakeSceneUnitOfWork

AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
USAGE = Usage(provider="openai", model="planner", input_tokens=300, output_tokens=900)
PENDING = Scene.found("scene-1", "script-1", 3, "INT. CAFE - NIGHT", "INT. CAFE - NIGHT\n\nSoup.", AT)
APPROVED = PENDING.approved(AT)
FACTS = ScriptFacts(
    id="script-1",
    owner_id="user-1",
    title="Tides",
    aspect="9:16",
    characters=("Nora", "Eli"),
    style_suffix="watercolor illustration",
    approved_at=AT,
    segmented=True,
    scene_count=4,
)
PLAN = ShotPlan(
    shots=[
        PlannedShot(1, "Wide shot: soup.", "Wide shot. Soup. watercolor illustration", 3.0, "Soup.", ("Nora",)),
        PlannedShot(2, "Close-up: Eli.", "Close-up. Eli. watercolor illustration", 2.5, "", ("Eli",)),
    ],
    setting="cafe (interior)",
    time_of_day="night",
    usage=USAGE,
)


# -- fake AI, with the methods of the kit's Segmenter and ShotPlanner ------------------------------


class FakeSegmenter:
    def __init__(
        self,
        outcome: Segmentation | Exception,
        *,
        meanwhile: Scene | None = None,
        uow: FakeSceneUnitOfWork | None = None,
    ) -> None:
        self.outcome = outcome
        self.scripts: list[str] = []
        self._meanwhile, self._uow = meanwhile, uow

    async def segment(self, script: str) -> Segmentation:
        self.scripts.append(script)
        if self._meanwhile is not None and self._uow is not None:  # another consumer segments it meanwhile
            await self._uow.scenes.add_all([self._meanwhile])
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


class FakeShotPlanner:
    def __init__(self, outcome: ShotPlan | Exception) -> None:
        self.outcome = outcome
        self.asked: list[tuple[SceneText, ScriptContext]] = []

    async def plan_shots(self, scene: SceneText, *, context: ScriptContext) -> ShotPlan:
        self.asked.append((scene, context))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


# -- ScriptApproved: segmentation --------------------------------------------------------------------

CONTENT = "EXT. HARBOR - DAWN\n\nNORA\nI wait.\n\nINT. CAFE - NIGHT\n\nELI\nSoup?"
APPROVAL = ScriptApproved(
    script_id="script-2", owner_id="user-1", title="Tides", content=CONTENT, aspect="9:16", approved_at=AT
)
TWO_SCENES = Segmentation(
    scenes=[
        SceneText(1, "EXT. HARBOR - DAWN\n\nNORA\nI wait.", "EXT. HARBOR - DAWN"),
        SceneText(2, "INT. CAFE - NIGHT\n\nELI\nSoup?", "INT. CAFE - NIGHT"),
    ],
    method="sluglines",
    usage=USAGE,
)


def approval_unit(**repositories) -> FakeSceneUnitOfWork:
    return FakeSceneUnitOfWork(delivered(APPROVAL, source="script"), **repositories)


def scenes_of(uow: FakeSceneUnitOfWork, script_id: str) -> list[Scene]:
    return sorted((s for s in uow.scenes.by_id.values() if s.script_id == script_id), key=lambda s: s.order)


async def test_an_approved_script_becomes_pending_scenes_with_ids_derived_from_the_event():
    uow = approval_unit()
    await segment_script_with(FakeSegmenter(TWO_SCENES))(APPROVAL, uow)
    ids = [uow.derived_id("scene", 1), uow.derived_id("scene", 2)]
    assert ids == [derived_id(uow.cause.id, "scene", n) for n in (1, 2)]
    assert [(s.id, s.order, s.heading, s.status) for s in scenes_of(uow, "script-2")] == [
        (ids[0], 1, "EXT. HARBOR - DAWN", Status.PENDING),
        (ids[1], 2, "INT. CAFE - NIGHT", Status.PENDING),
    ]
    *created, segmented = uow.emitted
    assert [(type(e), e.scene_id, e.order) for e in created] == [(SceneCreated, ids[0], 1), (SceneCreated, ids[1], 2)]
    assert isinstance(segmented, ScriptSegmented)
    assert (segmented.scene_ids, segmented.method, segmented.fell_back, segmented.usage) == (
        tuple(ids),
        "sluglines",
        False,
        USAGE,
    )
    assert uow.commits == 1


async def test_the_scripts_facts_are_kept_for_planning_its_shots():
    uow = approval_unit()
    await segment_script_with(FakeSegmenter(TWO_SCENES))(APPROVAL, uow)
    facts = uow.script_facts.by_id["script-2"]
    assert (facts.owner_id, facts.title, facts.aspect, facts.segmented, facts.scene_count, facts.method) == (
        "user-1",
        "Tides",
        "9:16",
        True,
        2,
        "sluglines",
    )
    assert facts.characters == ("Nora", "Eli")  # found in the whole text, for every scene's shots
    assert [name for name, _ in facts.looks] == ["Nora", "Eli"]  # carried in every prompt they are in
    assert dict(facts.looks)["Nora"] == dict(facts.looks)["Nora"].strip() != ""  # the text says nothing: made up
    assert facts.style_suffix  # chosen from owner and title


async def test_a_fallback_is_said_in_the_event_and_kept_in_the_facts():
    fallback = replace(TWO_SCENES, fell_back=True, note="the AI's scenes did not cover the script")
    uow = approval_unit()
    await segment_script_with(FakeSegmenter(fallback))(APPROVAL, uow)
    segmented = uow.emitted[-1]
    assert (segmented.fell_back, segmented.note) == (True, "the AI's scenes did not cover the script")
    facts = uow.script_facts.by_id["script-2"]
    assert (facts.fell_back, facts.note) == (True, "the AI's scenes did not cover the script")


async def test_a_provider_that_gives_up_is_segmentation_failed_and_no_scene_is_stored():
    failure = AIProviderError("provider_unavailable", "HTTP 500: down", attempts=4, usage=USAGE)
    uow = approval_unit()
    await segment_script_with(FakeSegmenter(failure))(APPROVAL, uow)
    [failed] = uow.emitted
    assert isinstance(failed, SegmentationFailed)
    assert (failed.code, failed.error, failed.attempts, failed.usage, failed.final) == (
        "provider_unavailable",
        "HTTP 500: down",
        4,
        USAGE,
        True,
    )
    assert scenes_of(uow, "script-2") == []
    facts = uow.script_facts.by_id["script-2"]  # kept, so the same script can be segmented again later
    assert (facts.segmented, facts.error) == (False, "HTTP 500: down")


async def test_an_empty_script_is_segmentation_failed_with_empty_script():
    uow = approval_unit()
    await segment_script_with(FakeSegmenter(EmptyScript("the script has no text")))(APPROVAL, uow)
    [failed] = uow.emitted
    assert (type(failed), failed.code, failed.attempts) == (SegmentationFailed, "empty_script", 1)


async def test_more_scenes_than_allowed_is_segmentation_failed_naming_the_cap():
    uow = approval_unit()
    await segment_script_with(FakeSegmenter(TWO_SCENES), max_scenes=1)(APPROVAL, uow)
    [failed] = uow.emitted
    assert failed.code == "too_many_scenes" and "2 scenes" in failed.error
    assert "at most 1 scenes per script" in failed.error and failed.usage == USAGE
    assert scenes_of(uow, "script-2") == []

    uow = approval_unit()
    await segment_script_with(FakeSegmenter(TWO_SCENES), max_scenes=2)(APPROVAL, uow)
    assert isinstance(uow.emitted[-1], ScriptSegmented)


async def test_a_script_already_segmented_costs_no_segmentation_and_emits_nothing():
    earlier = Scene.found("scene-0", "script-2", 1, "", "Nora waits.", AT)
    segmenter = FakeSegmenter(TWO_SCENES)
    uow = approval_unit(scenes=[earlier])
    await segment_script_with(segmenter)(APPROVAL, uow)
    assert segmenter.scripts == [] and uow.emitted == []
    assert uow.commits == 1  # the inbox records the event
    assert scenes_of(uow, "script-2") == [earlier]


async def test_a_script_segmented_meanwhile_by_another_consumer_emits_nothing():
    uow = approval_unit()
    meanwhile = Scene.found("scene-0", "script-2", 1, "", "Nora waits.", AT)
    await segment_script_with(FakeSegmenter(TWO_SCENES, meanwhile=meanwhile, uow=uow))(APPROVAL, uow)
    assert uow.emitted == [] and scenes_of(uow, "script-2") == [meanwhile]
    assert "script-2" not in uow.script_facts.by_id


def test_a_dead_lettered_approval_fails_the_scripts_segmentation_for_good():
    failed = script_not_segmented(delivered(APPROVAL, source="script"), "bad bytes")
    assert (failed.script_id, failed.code, failed.final) == ("script-2", DEAD_LETTERED, True)
    assert "bad bytes" in failed.error


# -- UpdateScene and ApproveScene --------------------------------------------------------------------


def command_unit(
    command: UpdateScene | ApproveScene, *scenes: Scene, facts: tuple[ScriptFacts, ...] = ()
) -> FakeSceneUnitOfWork:
    return FakeSceneUnitOfWork(delivered(command), scenes=scenes, facts=facts)


async def test_a_pending_scene_is_edited_and_its_heading_read_again_from_the_new_text():
    cmd = UpdateScene(script_id="script-1", scene_id="scene-1", text="EXT. ROOF - DAY\n\nWind.")
    uow = command_unit(cmd, PENDING)
    await update_scene(cmd, uow)
    [updated] = uow.emitted
    assert isinstance(updated, SceneUpdated)
    assert (updated.heading, updated.text, updated.order) == ("EXT. ROOF - DAY", "EXT. ROOF - DAY\n\nWind.", 3)
    assert uow.scenes.by_id["scene-1"].heading == "EXT. ROOF - DAY"


async def test_a_heading_the_writer_set_is_kept():
    cmd = UpdateScene(script_id="script-1", scene_id="scene-1", text="Wind.", heading="The roof")
    uow = command_unit(cmd, PENDING)
    await update_scene(cmd, uow)
    assert uow.emitted[0].heading == "The roof"


@pytest.mark.parametrize("handle", [update_scene, approve_scene])
async def test_an_unknown_scene_or_one_of_another_script_is_not_found(handle):
    for script_id, scene_id in (("script-1", "nope"), ("script-9", "scene-1")):
        cmd = (
            UpdateScene(script_id=script_id, scene_id=scene_id, text="x")
            if handle is update_scene
            else ApproveScene(script_id=script_id, scene_id=scene_id)
        )
        uow = command_unit(cmd, PENDING)
        await handle(cmd, uow)
        assert uow.refusals == [("not_found", f"there is no scene {scene_id} in script {script_id}")]
        assert uow.scenes.by_id["scene-1"] is PENDING and uow.enqueued == []


async def test_editing_an_approved_scene_is_refused_not_pending():
    cmd = UpdateScene(script_id="script-1", scene_id="scene-1", text="New text.")
    uow = command_unit(cmd, APPROVED)
    await update_scene(cmd, uow)
    assert [code for code, _ in uow.refusals] == ["not_pending"] and uow.scenes.by_id["scene-1"] is APPROVED


async def test_approval_is_announced_and_queues_the_shot_planning_fairly_by_owner():
    cmd = ApproveScene(script_id="script-1", scene_id="scene-1")
    uow = command_unit(cmd, PENDING, facts=(FACTS,))
    await approve_scene(cmd, uow)
    [approved] = uow.emitted
    assert isinstance(approved, SceneApproved) and (approved.scene_id, approved.order) == ("scene-1", 3)
    scene = uow.scenes.by_id["scene-1"]
    assert (scene.status, scene.shot_planning) == (Status.APPROVED, ShotPlanning.QUEUED)
    assert uow.enqueued == [
        Queued(
            PLAN_SHOTS,
            derived_id(uow.cause.id, "plan-shots"),
            {"scene_id": "scene-1", "script_id": "script-1"},
            fair_key="user-1",
        )
    ]


async def test_without_the_scripts_facts_the_planning_takes_turns_by_script():
    cmd = ApproveScene(script_id="script-1", scene_id="scene-1")
    uow = command_unit(cmd, PENDING)
    await approve_scene(cmd, uow)
    assert [q.fair_key for q in uow.enqueued] == ["script-1"]


async def test_approving_twice_is_refused_and_queues_nothing():
    cmd = ApproveScene(script_id="script-1", scene_id="scene-1")
    uow = command_unit(cmd, APPROVED)
    await approve_scene(cmd, uow)
    assert [code for code, _ in uow.refusals] == ["already_approved"] and uow.enqueued == []


# -- the plan-shots job and its give-up --------------------------------------------------------------


def planning_unit(attempt: int = 1, *scenes: Scene, shots=()) -> FakeSceneUnitOfWork:
    return FakeSceneUnitOfWork(
        job=job(PLAN_SHOTS, {"scene_id": "scene-1", "script_id": "script-1"}, attempt),
        scenes=scenes or (APPROVED,),
        shots=shots,
        facts=(FACTS,),
    )


async def test_planned_shots_are_stored_recorded_on_the_scene_and_announced():
    planner = FakeShotPlanner(PLAN)
    uow = planning_unit()
    await plan_shots_with(planner)(uow.job, uow)
    [(asked, context)] = planner.asked
    assert (asked.order, asked.heading, context.title, context.aspect) == (3, "INT. CAFE - NIGHT", "Tides", "9:16")
    assert sorted(s.order for s in uow.shots.by_id.values()) == [1, 2]
    scene = uow.scenes.by_id["scene-1"]
    assert (scene.shot_planning, scene.shot_count) == (ShotPlanning.PLANNED, 2)
    assert [(type(e), e.order, e.usage.output_tokens) for e in uow.emitted] == [
        (ShotPlanned, 1, 900),
        (ShotPlanned, 2, 0),
    ]
    assert uow.commits == 1 and uow.failed_with is None


async def test_a_retryable_provider_error_is_raised_for_the_job_queue_to_try_again():
    uow = planning_unit()
    with pytest.raises(AIProviderError) as raised:
        await plan_shots_with(FakeShotPlanner(AIProviderError("rate_limited", "HTTP 429")))(uow.job, uow)
    assert raised.value.retryable
    assert uow.commits == 0 and uow.emitted == [] and uow.scenes.by_id["scene-1"] is APPROVED


async def test_a_provider_error_no_retry_can_fix_ends_the_job_failed_with_shot_planning_failed():
    failure = AIProviderError("auth_failed", "HTTP 401: bad key", usage=USAGE)
    uow = planning_unit(2)
    await plan_shots_with(FakeShotPlanner(failure))(uow.job, uow)
    [failed] = uow.emitted
    assert isinstance(failed, ShotPlanningFailed)
    assert (failed.scene_id, failed.code, failed.error, failed.attempts, failed.usage, failed.final) == (
        "scene-1",
        "auth_failed",
        "HTTP 401: bad key",
        2,
        USAGE,
        True,
    )
    assert uow.failed_with == Failure("auth_failed", "HTTP 401: bad key", retryable=False)
    assert uow.scenes.by_id["scene-1"].shot_planning is ShotPlanning.FAILED and uow.shots.by_id == {}


async def test_a_plan_of_too_many_shots_is_refused_not_believed():
    too_many = replace(PLAN, shots=[PLAN.shots[0]] * (MAX_SHOTS_PER_SCENE + 1))
    uow = planning_unit()
    await plan_shots_with(FakeShotPlanner(too_many))(uow.job, uow)
    [failed] = uow.emitted
    assert failed.code == "too_many_shots" and f"at most {MAX_SHOTS_PER_SCENE} shots" in failed.error
    assert uow.failed_with is not None and not uow.failed_with.retryable
    assert uow.shots.by_id == {}


async def test_a_plan_with_a_shot_longer_than_the_pacing_allows_is_refused_not_believed():
    too_long = replace(PLAN, shots=[replace(PLAN.shots[0], duration_s=9.0), PLAN.shots[1]])
    uow = planning_unit()
    await plan_shots_with(FakeShotPlanner(too_long))(uow.job, uow)
    [failed] = uow.emitted
    assert failed.code == "shot_too_long" and "at most 8 s (REELFLOW_MAX_SHOT_S)" in failed.error
    assert uow.shots.by_id == {}
    uow = planning_unit()
    await plan_shots_with(FakeShotPlanner(too_long), Pacing(max_shot_s=10.0))(uow.job, uow)
    assert len(uow.shots.by_id) == 2  # within a longer setting


async def test_a_scene_already_planned_gets_no_second_set_of_shots():
    earlier = shots_of(APPROVED, PLAN, context_of(FACTS))
    uow = planning_unit(1, APPROVED, shots=earlier)
    await plan_shots_with(FakeShotPlanner(PLAN))(uow.job, uow)
    assert uow.emitted == [] and len(uow.shots.by_id) == 2
    assert uow.commits == 1 and uow.failed_with is None  # the job is done


async def test_a_job_for_an_unknown_scene_ends_failed_without_asking_the_planner():
    planner = FakeShotPlanner(PLAN)
    uow = planning_unit(1, Scene.found("other", "script-1", 1, "", "x", AT))
    await plan_shots_with(planner)(uow.job, uow)
    assert planner.asked == [] and uow.emitted == []
    assert uow.failed_with is not None and (uow.failed_with.code, uow.failed_with.retryable) == ("not_found", False)


async def test_giving_up_says_the_last_errors_code_and_the_attempts():
    uow = planning_unit(5)
    last = Failure("rate_limited", "HTTP 429: slow down")
    await give_up_planning(uow.job, last, uow)
    [failed] = uow.emitted
    assert (failed.code, failed.error, failed.attempts) == ("rate_limited", "HTTP 429: slow down", 5)
    assert uow.failed_with == last and uow.scenes.by_id["scene-1"].shot_planning is ShotPlanning.FAILED


async def test_giving_up_after_an_unexpected_error_names_it_shot_planning_failed():
    uow = planning_unit(5)
    await give_up_planning(uow.job, Failure.of(RuntimeError("boom")), uow)
    [failed] = uow.emitted
    assert (failed.code, failed.error) == ("shot_planning_failed", "RuntimeError: boom")
    assert uow.failed_with is not None and uow.failed_with.code == "shot_planning_failed"


# -- how a plan becomes shots and ShotPlanned --------------------------------------------------------


def test_the_script_facts_are_the_planning_context():
    context = context_of(FACTS)
    assert (context.title, context.characters, context.style_suffix, context.aspect) == (
        "Tides",
        ("Nora", "Eli"),
        "watercolor illustration",
        "9:16",
    )
    assert context_of(None).aspect == "16:9"
    looked = context_of(replace(FACTS, looks=(("Nora", "40s, oilskin coat"),)))
    assert looked.looks_of(("Eli", "Nora")) == "Nora: 40s, oilskin coat"


def test_shots_get_ids_from_the_scene_and_their_order_and_the_scripts_style():
    shots = shots_of(APPROVED, PLAN, context_of(FACTS))
    assert [s.id for s in shots] == [derived_id("scene-1", "shot", 1), derived_id("scene-1", "shot", 2)]
    first = shots[0]
    assert (first.script_id, first.scene_id, first.scene_order, first.order, first.shot_count) == (
        "script-1",
        "scene-1",
        3,
        1,
        2,
    )
    assert (first.aspect, first.style_suffix, first.setting, first.time_of_day, first.characters) == (
        "9:16",
        "watercolor illustration",
        "cafe (interior)",
        "night",
        ("Nora",),
    )


def test_shot_planned_carries_everything_the_image_and_video_services_need():
    shot = shots_of(APPROVED, PLAN, context_of(FACTS))[0]
    event = shot_planned_event(shot, USAGE)
    assert (event.script_id, event.scene_id, event.shot_id, event.scene_order, event.order, event.shot_count) == (
        "script-1",
        "scene-1",
        shot.id,
        3,
        1,
        2,
    )
    assert (event.description, event.image_prompt, event.duration_s, event.narration) == (
        "Wide shot: soup.",
        "Wide shot. Soup. watercolor illustration",
        3.0,
        "Soup.",
    )
    assert event.style.model_dump() == {
        "aspect": "9:16",
        "style_suffix": "watercolor illustration",
        "setting": "cafe (interior)",
        "time_of_day": "night",
        "characters": ("Nora",),
    }
    assert event.usage == USAGE


def test_the_planning_calls_usage_rides_on_the_first_shot_only():
    assert usage_of_shot(1, USAGE) == USAGE
    later = usage_of_shot(2, USAGE)
    assert (later.provider, later.model, later.input_tokens, later.output_tokens) == ("openai", "planner", 0, 0)
