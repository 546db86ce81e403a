"""Scenes and shots in the gateway: JSON bodies from view documents, states derived from several
events, command outcomes of scene events, request validation (pure logic, no servers)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from reelflow_contracts import (
    ApproveScene,
    SceneApproved,
    SceneCommandRejected,
    SceneCreated,
    SceneUpdated,
    ScriptSegmented,
    SegmentationFailed,
    ShotPlanned,
    ShotPlanningFailed,
    UpdateScene,
    new_envelope,
)
from reelflow_contracts.messages.common import CommandRejected
from reelflow_gateway.readmodel.projector import projections
from reelflow_gateway.readmodel.public import (
    page,
    scene_body,
    script_body,
    segmentation_of,
    shot_body,
    shot_planning_of,
)
from reelflow_gateway.schemas import SceneOut, SceneUpdateIn, ScriptOut, ShotOut

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def script_doc(**extra) -> dict:
    return {
        "_id": "s1",
        "owner_id": "u1",
        "title": "T",
        "content": "INT. A - DAY\n\nx",
        "status": "draft",
        "origin": "user",
        "aspect": "16:9",
        "premise": None,
        "created_at": NOW,
        "updated_at": NOW,
        "approved_at": None,
        "version": 1,
        **extra,
    }


def scene_doc(**extra) -> dict:
    return {
        "_id": "c1",
        "script_id": "s1",
        "order": 1,
        "heading": "INT. A - DAY",
        "text": "INT. A - DAY\n\nx",
        "status": "pending",
        "created_at": NOW,
        "updated_at": NOW,
        "approved_at": None,
        "version": 1,
        **extra,
    }


# -- script: scene counts and segmentation ---------------------------------------------------------


def test_a_draft_has_no_segmentation_and_no_scenes() -> None:
    body = script_body(script_doc())
    assert body["scene_count"] == 0 and body["approved_scene_count"] == 0
    assert body["segmentation"] == {
        "state": "none",
        "method": None,
        "fell_back": False,
        "note": "",
        "code": None,
        "error": None,
    }
    ScriptOut.model_validate(body)


def test_an_approved_script_is_pending_until_segmented() -> None:
    assert segmentation_of(script_doc(status="approved"))["state"] == "pending"


def test_segmentation_done_or_failed_is_shown_whatever_arrived_first() -> None:
    done = {
        "state": "done",
        "method": "sluglines",
        "fell_back": False,
        "note": "",
        "scenes": 3,
        "code": None,
        "error": None,
        "at": NOW,
    }
    # Scene events may be projected before ScriptApproved: the recorded outcome wins over the status.
    for status in ("draft", "approved"):
        assert segmentation_of(script_doc(status=status, segmentation=done))["state"] == "done"
    failed = {
        "state": "failed",
        "method": None,
        "fell_back": False,
        "note": "",
        "scenes": 0,
        "code": "too_many_scenes",
        "error": "1001 scenes",
        "at": NOW,
    }
    body = script_body(script_doc(status="approved", segmentation=failed, scene_count=0))
    assert body["segmentation"] == {
        "state": "failed",
        "method": None,
        "fell_back": False,
        "note": "",
        "code": "too_many_scenes",
        "error": "1001 scenes",
    }
    ScriptOut.model_validate(body)


def test_script_counts_come_from_the_scene_events() -> None:
    body = script_body(script_doc(status="approved", scene_count=5, approved_scene_count=2))
    assert (body["scene_count"], body["approved_scene_count"]) == (5, 2)


def test_a_placeholder_left_by_scene_events_renders_nothing_private() -> None:
    body = script_body({"_id": "s1", "scene_count": 2})
    assert body["scene_count"] == 2 and body["title"] is None and "owner_id" not in body


# -- scene: shot planning ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, ("none", 0)),
        ({"status": "approved"}, ("planning", 0)),
        ({"status": "approved", "shot_count": 3, "shots_planned": 2}, ("planning", 2)),
        ({"status": "approved", "shot_count": 3, "shots_planned": 3}, ("planned", 3)),
        # shots projected before their SceneApproved (events from two relays): already planned
        ({"shot_count": 2, "shots_planned": 2}, ("planned", 2)),
        ({"shot_count": 2, "shots_planned": 1}, ("planning", 1)),
    ],
)
def test_shot_planning_state(extra: dict, expected: tuple[str, int]) -> None:
    state = shot_planning_of(scene_doc(**extra))
    assert (state["state"], state["shot_count"]) == expected and state["error"] is None


def test_a_failed_planning_is_visible_until_a_retry_completes_it() -> None:
    failure = {"code": "rate_limited", "error": "429 from provider", "attempts": 5, "at": NOW}
    failed = shot_planning_of(scene_doc(status="approved", shot_planning_failure=failure))
    assert failed == {"state": "failed", "shot_count": 0, "code": "rate_limited", "error": "429 from provider"}
    retried = shot_planning_of(
        scene_doc(status="approved", shot_planning_failure=failure, shot_count=2, shots_planned=2)
    )
    assert retried == {"state": "planned", "shot_count": 2, "code": None, "error": None}


def test_scene_body_has_the_public_fields_only() -> None:
    body = scene_body(scene_doc(shots_planned=0, last_event_id="e"))
    assert set(body) == {
        "id",
        "script_id",
        "order",
        "heading",
        "text",
        "status",
        "created_at",
        "updated_at",
        "approved_at",
        "version",
        "shot_planning",
    }
    SceneOut.model_validate(body)


def test_shot_body() -> None:
    doc = {
        "_id": "h1",
        "scene_id": "c1",
        "script_id": "s1",
        "scene_order": 2,
        "order": 1,
        "shot_count": 3,
        "description": "Wide shot of the pier",
        "image_prompt": "wide shot, pier at dawn, film still",
        "duration_s": 4.5,
        "narration": "Fog sits on the water.",
        "planned_at": NOW,
        "style": {
            "aspect": "16:9",
            "style_suffix": "film still",
            "setting": "pier",
            "time_of_day": "dawn",
            "characters": ["NORA"],
        },
    }
    body = shot_body(doc)
    assert body["id"] == "h1" and body["image_prompt"].startswith("wide shot") and body["duration_s"] == 4.5
    assert body["style"]["characters"] == ["NORA"]
    ShotOut.model_validate(body)


def test_every_list_has_one_shape() -> None:
    assert page([{"id": 1}], 7, 1, 3) == {"items": [{"id": 1}], "total": 7, "limit": 1, "offset": 3}


# -- outcomes ------------------------------------------------------------------------------------------


def test_scene_commands_are_answered_by_their_events() -> None:
    table = projections()
    update = new_envelope(
        UpdateScene(script_id="s1", scene_id="c1", text="INT. B - DAY\n\ny", requested_by="u1"), source="gateway"
    )
    updated = new_envelope(
        SceneUpdated(
            script_id="s1", scene_id="c1", order=1, heading="INT. B - DAY", text="INT. B - DAY\n\ny", updated_at=NOW
        ),
        source="scene",
        causation=update,
    )
    outcome = table[SceneUpdated][1](updated)
    assert (outcome.command_id, outcome.status, outcome.subject) == (update.id, "applied", "c1")

    approve = new_envelope(ApproveScene(script_id="s1", scene_id="c1", requested_by="u1"), source="gateway")
    approved = new_envelope(
        SceneApproved(script_id="s1", scene_id="c1", order=1, approved_at=NOW), source="scene", causation=approve
    )
    assert table[SceneApproved][1](approved).status == "applied"

    refusal = CommandRejected.of(approve, code="already_approved", reason="scene c1 was already approved")
    assert isinstance(refusal, SceneCommandRejected)
    outcome = table[SceneCommandRejected][1](new_envelope(refusal, source="scene", causation=approve))
    assert (outcome.command_id, outcome.status, outcome.code) == (approve.id, "rejected", "already_approved")


def test_events_that_answer_no_request_store_no_outcome() -> None:
    table = projections()
    approve = new_envelope(ApproveScene(script_id="s1", scene_id="c1"), source="gateway")
    caused = [
        SceneCreated(script_id="s1", scene_id="c1", order=1, text="x", created_at=NOW),
        ScriptSegmented(script_id="s1", scene_ids=("c1",), method="sluglines"),
        SegmentationFailed(script_id="s1", error="boom"),
        ShotPlanned(
            script_id="s1",
            scene_id="c1",
            shot_id="h1",
            scene_order=1,
            order=1,
            shot_count=1,
            description="d",
            image_prompt="p",
            duration_s=2.0,
        ),
        ShotPlanningFailed(script_id="s1", scene_id="c1", error="boom"),
    ]
    for message in caused:
        apply, outcome_of = table[type(message)]
        assert apply is not None
        assert outcome_of(new_envelope(message, source="scene", causation=approve)) is None, type(message)


def test_every_scene_event_is_projected() -> None:
    table = projections()
    for cls in (
        SceneCreated,
        ScriptSegmented,
        SegmentationFailed,
        SceneUpdated,
        SceneApproved,
        ShotPlanned,
        ShotPlanningFailed,
        SceneCommandRejected,
    ):
        assert cls in table, cls


# -- request bodies ----------------------------------------------------------------------------------


def test_scene_update_body() -> None:
    assert SceneUpdateIn(text="INT. A - DAY\n\nx").text.startswith("INT.")
    assert SceneUpdateIn(text="x", heading="The cliff").heading == "The cliff"
    for data, word in (
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": " \n"}, "blank"),
        ({"text": "x", "heading": "two\nlines"}, "heading"),
        ({"text": "x", "status": "h"}, "status"),
        ({"text": "é" * 100_001}, "bytes"),
    ):
        with pytest.raises(ValidationError) as info:
            SceneUpdateIn(**data)
        assert word in str(info.value), (data, str(info.value))


def test_a_batch_is_cut_into_runs_of_scenes_and_shots_in_order() -> None:
    from reelflow_gateway.readmodel.consumer import runs
    from reelflow_gateway.readmodel.projector import batch_projections

    created = [SceneCreated(script_id="s1", scene_id=f"c{n}", order=n, text="x", created_at=NOW) for n in (1, 2, 3)]
    segmented = ScriptSegmented(script_id="s1", scene_ids=("c1", "c2", "c3"), method="sluglines")
    approved = [SceneApproved(script_id="s1", scene_id=f"c{n}", order=n, approved_at=NOW) for n in (1, 2)]
    shots = [
        ShotPlanned(
            script_id="s1",
            scene_id="c1",
            shot_id=f"h{n}",
            scene_order=1,
            order=n,
            shot_count=2,
            description="d",
            image_prompt="p",
            duration_s=2.0,
        )
        for n in (1, 2)
    ]
    messages = [*created, segmented, approved[0], *shots, approved[1], created[0]]
    items = [(None, new_envelope(m, source="scene"), None) for m in messages]
    cut = runs(items, batch_projections())
    assert [[type(i[1].data).__name__ for i in run] for run in cut] == [
        ["SceneCreated"] * 3,
        ["ScriptSegmented"],
        ["SceneApproved"],
        ["ShotPlanned"] * 2,
        ["SceneApproved"],
        ["SceneCreated"],
    ]
    assert [i[1].data for run in cut for i in run] == messages  # nothing reordered, nothing lost
