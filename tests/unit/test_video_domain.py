from datetime import datetime, timezone

import pytest

from reelflow_video.domain import PlannedShot, Storyboard, Video, VideoRuleBroken

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def shot(scene: str, order: int, count: int, image: bool = True, scene_order: int = 1) -> PlannedShot:
    return PlannedShot(shot_id=f"{scene}-{order}", scene_id=scene, scene_order=scene_order, order=order,
                       shot_count=count, duration_s=2.0, image_id=f"img-{scene}-{order}" if image else None,
                       image_key=f"k/{scene}-{order}" if image else None)


def test_a_complete_storyboard_gives_a_pending_video_with_its_shots_in_order():
    board = Storyboard(("a", "b"), (shot("b", 1, 1, scene_order=2), shot("a", 2, 2), shot("a", 1, 2)))
    video = Video.requested("v", "s", {}, board, AT)
    assert video.status == "pending"
    assert [s.shot_id for s in video.plan] == ["a-1", "a-2", "b-1"]


def test_shots_without_images_and_scenes_without_plans_are_named():
    board = Storyboard(("a", "b", "c"), (shot("a", 1, 2), shot("a", 2, 2, image=False), shot("b", 1, 3)))
    missing = board.missing()
    assert [s.shot_id for s in missing.shots] == ["a-2"]
    assert missing.unplanned_scene_ids == ("c", "b")
    with pytest.raises(VideoRuleBroken) as refused:
        Video.requested("v", "s", {}, board, AT)
    assert refused.value.code == "images_missing"


def test_an_unsegmented_script_cannot_have_a_video():
    with pytest.raises(VideoRuleBroken) as refused:
        Video.requested("v", "s", {}, Storyboard((), ()), AT)
    assert refused.value.code == "not_segmented"


def test_a_video_ends_approved_or_rejected_once():
    video = Video.requested("v", "s", {}, Storyboard(("a",), (shot("a", 1, 1),)), AT)
    assert video.rendered(key="k").status == "approved"
    assert video.failed("boom").status == "rejected" and video.failed("boom").error == "boom"
    with pytest.raises(VideoRuleBroken):
        video.rendered(key="k").failed("late")
