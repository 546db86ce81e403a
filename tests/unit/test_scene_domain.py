"""The scene aggregate's state machine: pending -> approved, text editable only while pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reelflow_kit.domain import RuleBroken
from reelflow_scene.domain import AlreadyApproved, NotPending, Scene, ShotPlanning, Status

T0 = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(minutes=9)


def pending() -> Scene:
    return Scene.found("scene-1", "script-1", 2, "EXT. HARBOR - DAWN", "EXT. HARBOR - DAWN\n\nFog.", T0)


def test_a_found_scene_is_pending_with_nothing_planned_yet():
    scene = pending()
    assert (scene.status, scene.shot_planning, scene.shot_count) == (Status.PENDING, ShotPlanning.NOT_STARTED, 0)
    assert (scene.order, scene.heading, scene.script_id) == (2, "EXT. HARBOR - DAWN", "script-1")
    assert scene.created_at == scene.updated_at == T0 and scene.approved_at is None


def test_editing_a_pending_scene_replaces_its_text_and_heading():
    edited = pending().edited(text="INT. CAFE - NIGHT\n\nSoup.", heading="INT. CAFE - NIGHT", at=T1)
    assert (edited.text, edited.heading, edited.updated_at) == ("INT. CAFE - NIGHT\n\nSoup.", "INT. CAFE - NIGHT", T1)
    assert (edited.status, edited.order, edited.created_at) == (Status.PENDING, 2, T0)


def test_a_pending_scene_can_be_edited_many_times():
    scene = pending().edited(text="One.", heading="", at=T1).edited(text="Two.", heading="", at=T2)
    assert (scene.text, scene.updated_at) == ("Two.", T2)


def test_approving_a_pending_scene_queues_its_shot_planning():
    approved = pending().approved(at=T1)
    assert (approved.status, approved.shot_planning) == (Status.APPROVED, ShotPlanning.QUEUED)
    assert approved.approved_at == approved.updated_at == T1
    assert approved.text == pending().text


def test_editing_an_approved_scene_is_refused_with_not_pending():
    with pytest.raises(NotPending) as refused:
        pending().approved(at=T1).edited(text="Later.", heading="", at=T2)
    assert refused.value.code == "not_pending"
    assert "only a pending scene can be edited" in refused.value.reason and "scene-1" in refused.value.reason


def test_approving_twice_is_refused_with_already_approved():
    with pytest.raises(AlreadyApproved) as refused:
        pending().approved(at=T1).approved(at=T2)
    assert refused.value.code == "already_approved"
    assert "already approved" in refused.value.reason
    assert isinstance(refused.value, RuleBroken)


def test_refused_commands_leave_the_scene_unchanged():
    approved = pending().approved(at=T1)
    for attempt in (lambda: approved.approved(at=T2), lambda: approved.edited(text="x", heading="", at=T2)):
        with pytest.raises(RuleBroken):
            attempt()
    assert approved == pending().approved(at=T1)
