"""The readiness rule (`decide`), when a storyboard has caught up with a sender, and a video's life."""

from datetime import UTC, datetime, timedelta

import pytest

from reelflow_kit.domain import RuleBroken
from reelflow_video.domain import (
    Accepted,
    NotPending,
    NotWaiting,
    PlannedShot,
    Refused,
    Request,
    Seen,
    Status,
    Storyboard,
    Undecided,
    Video,
    decide,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)


def shot(scene: str, order: int, count: int, image: bool = True, scene_order: int = 1) -> PlannedShot:
    return PlannedShot(
        shot_id=f"{scene}-{order}",
        scene_id=scene,
        scene_order=scene_order,
        order=order,
        shot_count=count,
        duration_s=2.0,
        image_id=f"img-{scene}-{order}" if image else None,
        image_key=f"k/{scene}-{order}" if image else None,
    )


def board(scene_ids: tuple[str, ...], *shots: PlannedShot, seen: tuple[str, ...] = ()) -> Storyboard:
    held = {s.image_id for s in shots if s.image_id}
    return Storyboard("s", scene_ids, shots, known_image_ids=frozenset(held | set(seen)))


def test_a_complete_storyboard_is_accepted_with_its_shots_in_order():
    complete = board(("a", "b"), shot("b", 1, 1, scene_order=2), shot("a", 2, 2), shot("a", 1, 2))
    decision = decide(complete, Seen(image_ids=("img-a-1",)), deadline_passed=False)
    assert isinstance(decision, Accepted)
    assert [s.shot_id for s in decision.plan] == ["a-1", "a-2", "b-1"]


def test_shots_without_images_and_scenes_without_all_their_shots_are_named():
    partial = board(
        ("a", "b", "c"), shot("a", 1, 2), shot("a", 2, 2, image=False), shot("b", 1, 1, image=False, scene_order=2)
    )
    decision = decide(partial, Seen(), deadline_passed=False)
    assert isinstance(decision, Refused) and decision.rule.code == "images_missing"
    assert [s.shot_id for s in decision.missing.shots] == ["a-2", "b-1"]
    assert decision.missing.unplanned_scene_ids == ("c",)
    assert (
        decision.rule.reason
        == "cannot render yet: 1 scene(s) have no planned shots yet; 2 shot(s) have no approved image"
    )


def test_a_scene_planned_in_part_is_unplanned_and_a_storyboard_still_catching_up():
    partly = board(("a", "b"), shot("a", 1, 1), shot("b", 1, 3))
    assert partly.missing().unplanned_scene_ids == ("b",)
    assert not partly.caught_up(Seen())  # the rest of b's shots are on their way
    assert isinstance(decide(partly, Seen(), deadline_passed=False), Undecided)
    at_deadline = decide(partly, Seen(), deadline_passed=True)
    assert isinstance(at_deadline, Refused) and at_deadline.missing.unplanned_scene_ids == ("b",)


def test_a_storyboard_behind_what_the_sender_saw_is_undecided_until_the_deadline():
    behind = board(("a",), shot("a", 1, 2), shot("a", 2, 2, image=False))
    assert not behind.caught_up(Seen(image_ids=("img-a-1", "img-a-2")))
    assert isinstance(decide(behind, Seen(image_ids=("img-a-1", "img-a-2")), deadline_passed=False), Undecided)
    late = decide(behind, Seen(image_ids=("img-a-1", "img-a-2")), deadline_passed=True)
    assert isinstance(late, Refused) and [s.shot_id for s in late.missing.shots] == ["a-2"]


def test_a_storyboard_without_a_shot_the_sender_saw_planned_is_behind():
    """The sender saw b's shot planned (no image yet); here b has no shot yet: refusing now would
    say b is unplanned, which the sender knows is not so."""
    behind = board(("a", "b"), shot("a", 1, 1))
    seen = Seen(shot_ids=("a-1", "b-1"), image_ids=("img-a-1",))
    assert isinstance(decide(behind, seen, deadline_passed=False), Undecided)
    caught_up = board(("a", "b"), shot("a", 1, 1), shot("b", 1, 1, image=False, scene_order=2))
    refused = decide(caught_up, seen, deadline_passed=False)
    assert isinstance(refused, Refused) and [s.shot_id for s in refused.missing.shots] == ["b-1"]
    assert refused.missing.unplanned_scene_ids == ()


def test_a_storyboard_ahead_of_the_sender_decides_at_once():
    """The sender saw an image that was replaced since: the storyboard has seen it, and renders the newer one."""
    ahead = board(("a",), shot("a", 1, 1), seen=("img-a-1-older",))
    decision = decide(ahead, Seen(image_ids=("img-a-1-older",)), deadline_passed=False)
    assert isinstance(decision, Accepted) and decision.plan[0].image_id == "img-a-1"


def test_an_unsegmented_script_waits_then_is_refused():
    empty = Storyboard("s", (), ())
    assert isinstance(decide(empty, Seen(), deadline_passed=False), Undecided)
    refused = decide(empty, Seen(), deadline_passed=True)
    assert isinstance(refused, Refused) and refused.rule.code == "not_segmented"
    assert refused.rule.reason == "script s has no scenes yet" and not refused.missing


def test_every_rule_is_the_kits_one_shape():
    refused = decide(Storyboard("s", (), ()), Seen(), deadline_passed=True)
    assert isinstance(refused, Refused) and isinstance(refused.rule, RuleBroken)


REQUEST = Request(
    command_id="cmd",
    command_type="reelflow.video.create_video.v1",
    correlation_id="corr",
    seen=Seen(image_ids=("img-a-1",)),
)


def test_a_video_waits_then_is_accepted_once():
    asked = Video.asked("v", "s", {}, REQUEST, AT).waiting_until(AT + timedelta(seconds=3))
    assert asked.status is Status.WAITING and asked.request.decide_by == AT + timedelta(seconds=3)
    plan = (shot("a", 1, 1),)
    video = asked.accepted(plan)
    assert video.status is Status.PENDING and video.image_ids == ("img-a-1",) and video.request is None
    with pytest.raises(NotWaiting):
        video.accepted(plan)


def test_a_video_ends_approved_or_rejected_once():
    video = Video.asked("v", "s", {}, REQUEST, AT).accepted((shot("a", 1, 1),))
    assert video.rendered(key="k").status is Status.APPROVED
    assert video.failed("boom").status is Status.REJECTED and video.failed("boom").error == "boom"
    with pytest.raises(NotPending) as late:
        video.rendered(key="k").failed("late")
    assert late.value.code == "not_pending"
    with pytest.raises(NotPending):
        Video.asked("v", "s", {}, REQUEST, AT).rendered(key="k")  # a waiting video is not rendered
