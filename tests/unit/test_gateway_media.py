"""Images and videos in the gateway: statuses derived from events, JSON bodies, command outcomes
with a refusal's extra fields (the video service's readiness answer), byte ranges and validators, request models (pure
logic, no servers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from reelflow_contracts import (
    ApproveImage,
    CreateVideo,
    ImageApproved,
    ImageCommandRejected,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    MissingShot,
    VideoCommandRejected,
    VideoFailed,
    VideoRendered,
    VideoRequested,
    new_envelope,
)
from reelflow_contracts.messages.common import CommandRejected, VideoOptions
from reelflow_gateway.api.content import ByteRange, RangeNotSatisfiable, entity_tag, matches, parse_range
from reelflow_gateway.errors import error_response
from reelflow_gateway.readmodel.outcomes import Outcome
from reelflow_gateway.readmodel.projector import answers_nothing, applied, projections, rejected
from reelflow_gateway.readmodel.public import image_body, image_status, video_body, video_status
from reelflow_gateway.schemas import ImageOut, ImageRejectIn, VideoCreateIn, VideoOut
from reelflow_gateway.settings import Settings

NOW = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def image_doc(**extra) -> dict:
    return {
        "_id": "i1",
        "script_id": "s1",
        "shot_id": "h1",
        "scene_id": "c1",
        "shot_order": 1,
        "attempt": 1,
        "width": 1920,
        "height": 1080,
        "prompt": "a kitchen at night",
        "media_key": "images/scene_c1/image_i1.png",
        "size_bytes": 1234,
        "previous_image_id": None,
        "generated_at": NOW,
        "updated_at": NOW,
        **extra,
    }


# -- image status and body -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({}, "pending"),
        ({"approved_at": NOW}, "approved"),
        ({"rejected_at": NOW, "feedback": "no"}, "rejected"),
        ({"approved_at": NOW, "rejected_at": NOW}, "rejected"),  # an approved image rejected afterwards
        ({"failure": {"code": "rate_limited", "error": "429", "at": NOW}}, "failed"),
        ({"failure": {"code": "rate_limited", "error": "429", "at": NOW}, "rejected_at": NOW}, "rejected"),  # retried
        ({"failure": {"code": "max_attempts", "error": "all 3 used", "at": NOW}, "rejected_at": NOW}, "failed"),
        (
            {
                "failure": {"code": "max_attempts", "error": "all 3 used", "at": NOW},
                "approved_at": NOW,
                "rejected_at": NOW,
            },
            "failed",
        ),
    ],
)
def test_image_status_comes_from_the_events_seen(extra: dict, status: str) -> None:
    assert image_status(image_doc(**extra)) == status
    ImageOut.model_validate(image_body(image_doc(**extra)))


def test_an_image_body() -> None:
    body = image_body(image_doc())
    assert body["id"] == "i1" and body["status"] == "pending" and body["content_url"] == "/api/images/i1/content"
    assert body["selected"] is False and body["feedback"] is None and body["code"] is None
    assert "media_key" not in body  # storage keys stay inside


def test_feedback_is_shown_once_rejected_and_the_latest_approved_image_is_selected() -> None:
    assert image_body(image_doc(rejected_at=NOW, feedback=""))["feedback"] == ""
    assert image_body(image_doc(approved_at=NOW))["selected"] is True
    assert image_body(image_doc(approved_at=NOW, rejected_at=NOW))["selected"] is True  # kept until replaced
    replaced = image_body(image_doc(approved_at=NOW, replaced_by="i2"))
    assert replaced["selected"] is False and replaced["replaced_by"] == "i2"


def test_a_failed_attempt_has_no_picture() -> None:
    doc = {
        "_id": "i2",
        "script_id": "s1",
        "shot_id": "h1",
        "scene_id": "c1",
        "attempt": 2,
        "failure": {"code": "storage_unavailable", "error": "S3 away", "at": NOW},
        "updated_at": NOW,
    }
    body = image_body(doc)
    assert (body["status"], body["content_url"], body["width"], body["code"], body["error"], body["failed_at"]) == (
        "failed",
        None,
        None,
        "storage_unavailable",
        "S3 away",
        NOW,
    )
    ImageOut.model_validate(body)


# -- video status and body -------------------------------------------------------------------------


def video_doc(**extra) -> dict:
    return {
        "_id": "v1",
        "script_id": "s1",
        "options": VideoOptions().model_dump(mode="json"),
        "image_ids": ["i1"],
        "requested_at": NOW,
        "updated_at": NOW,
        **extra,
    }


RENDERED = {
    "duration_s": 4.5,
    "width": 1920,
    "height": 1080,
    "fps": 30,
    "size_bytes": 999,
    "media_key": "videos/video_v1.mp4",
    "has_audio": True,
    "render_s": 3.0,
    "reused_segments": 2,
    "at": NOW,
}


def test_video_status_and_body() -> None:
    pending = video_body(video_doc())
    assert (video_status(video_doc()), pending["content_url"], pending["duration_s"], pending["fps"]) == (
        "pending",
        None,
        None,
        30,
    )
    done = video_body(video_doc(rendered=RENDERED))
    assert done["status"] == "approved" and done["content_url"] == "/api/videos/v1/content"
    assert (done["duration_s"], done["width"], done["height"], done["has_audio"], done["reused_segments"]) == (
        4.5,
        1920,
        1080,
        True,
        2,
    )
    failed = video_body(video_doc(failure={"code": "render_failed", "error": "boom", "at": NOW}))
    assert (failed["status"], failed["error"], failed["content_url"]) == ("rejected", "boom", None)
    for body in (pending, done, failed):
        VideoOut.model_validate(body)
        assert "media_key" not in body


# -- outcomes ----------------------------------------------------------------------------------------


def test_image_and_video_events_answer_their_commands() -> None:
    table = projections()
    approve = new_envelope(ApproveImage(script_id="s1", image_id="i1"), source="gateway")
    approved = new_envelope(
        ImageApproved(
            script_id="s1",
            image_id="i1",
            shot_id="h1",
            scene_id="c1",
            attempt=1,
            width=8,
            height=8,
            prompt="p",
            media_key="images/x.png",
            approved_at=NOW,
        ),
        source="image",
        causation=approve,
    )
    assert table[ImageApproved][1] is applied and applied(approved).command_id == approve.id
    assert table[ImageRejected][1] is applied and table[VideoRequested][1] is applied
    for kind in (ImageGenerated, ImageGenerationFailed, VideoRendered, VideoFailed):
        assert table[kind][1] is answers_nothing  # they follow the event that answered the command
    assert table[ImageCommandRejected][1] is rejected and table[VideoCommandRejected][1] is rejected


def test_a_refused_video_keeps_the_missing_shots_in_its_outcome() -> None:
    command = new_envelope(CreateVideo(script_id="s1", video_id="v1"), source="gateway")
    refusal = CommandRejected.of(
        command,
        code="images_missing",
        reason="cannot render yet: 1 shot(s) have no approved image",
        missing_shots=(MissingShot(shot_id="h2", scene_id="c1", scene_order=1, order=2),),
        unplanned_scene_ids=("c2",),
    )
    assert isinstance(refusal, VideoCommandRejected)
    outcome = rejected(new_envelope(refusal, source="video", causation=command))
    assert outcome.details == {
        "missing_shots": [{"shot_id": "h2", "scene_id": "c1", "scene_order": 1, "order": 2}],
        "unplanned_scene_ids": ["c2"],
    }
    assert Outcome.from_doc(outcome.to_doc()) == outcome

    image = new_envelope(ApproveImage(script_id="s1", image_id="i1"), source="gateway")
    plain = rejected(
        new_envelope(
            CommandRejected.of(image, code="not_pending", reason="i1 is approved"), source="image", causation=image
        )
    )
    assert plain.details is None and "details" not in plain.to_doc()


def test_an_error_body_carries_extra_fields_without_hiding_detail_and_code() -> None:
    response = error_response(
        409,
        "cannot render yet",
        "images_missing",
        extra={"missing_shots": [], "detail": "not this", "unplanned_scene_ids": ["c2"]},
    )
    assert json.loads(response.body) == {
        "detail": "cannot render yet",
        "code": "images_missing",
        "missing_shots": [],
        "unplanned_scene_ids": ["c2"],
    }


# -- byte ranges and validators ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-50", ByteRange(950, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes=999-999", ByteRange(999, 999)),
        ("Bytes = 5-9", ByteRange(5, 9)),
        (None, None),
        ("", None),
        ("bytes=abc", None),
        ("bytes=5-2", None),  # an invalid range-spec: the header is ignored
        ("bytes=1-2,5-9", None),  # several ranges: whole content
        ("items=0-9", None),
        ("bytes=0x10-", None),
        ("bytes=-", None),
        ("bytes=٣-", None),  # only ASCII digits
        ("bytes", None),
    ],
)
def test_parse_range(header: str | None, wanted: ByteRange | None) -> None:
    assert parse_range(header, 1000) == wanted


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=5000-"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 1000)


def test_a_range_says_what_it_covers() -> None:
    assert ByteRange(100, 199).length == 100
    assert ByteRange(0, 0).content_range(10) == "bytes 0-0/10"


def test_if_none_match() -> None:
    etag = entity_tag("video", "v1")
    assert etag == '"video-v1"'
    assert matches(etag, etag) and matches("*", etag) and matches(f'"x", W/{etag}', etag)
    assert not matches(None, etag) and not matches('"video-v2"', etag) and not matches("", etag)


# -- request models and settings -------------------------------------------------------------------------


def test_reject_feedback_is_optional_and_at_most_2000_characters() -> None:
    assert ImageRejectIn().feedback == ""
    assert len(ImageRejectIn(feedback="é" * 2000).feedback) == 2000
    with pytest.raises(ValidationError, match="feedback"):
        ImageRejectIn(feedback="x" * 2001)
    with pytest.raises(ValidationError, match="prompt"):
        ImageRejectIn(feedback="ok", prompt="mine")


def test_video_options_default_to_the_scripts_aspect() -> None:
    assert VideoCreateIn().options("9:16") == VideoOptions(aspect="9:16")
    chosen = VideoCreateIn(
        aspect="1:1", resolution="720p", fps=24, narration=False, transition="none", transition_s=0
    ).options("9:16")
    assert chosen == VideoOptions(
        aspect="1:1", resolution="720p", fps=24, narration=False, transition="none", transition_s=0
    )
    assert chosen.size == (720, 720)


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"fps": 11}, "fps"),
        ({"fps": 61}, "fps"),
        ({"aspect": "4:3"}, "aspect"),
        ({"resolution": "4k"}, "resolution"),
        ({"transition": "spin"}, "transition"),
        ({"transition_s": -1}, "transition_s"),
        ({"transition_s": 5.5}, "transition_s"),
        ({"speed": 2}, "speed"),
    ],
)
def test_video_options_are_checked(data: dict, word: str) -> None:
    with pytest.raises(ValidationError, match=word):
        VideoCreateIn(**data)


def test_media_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REELFLOW_IMAGE_BUCKET", "REELFLOW_VIDEO_BUCKET"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert (settings.image_bucket, settings.video_bucket) == ("reelflow-image", "reelflow-video")
    monkeypatch.setenv("REELFLOW_IMAGE_BUCKET", "img-b")
    monkeypatch.setenv("REELFLOW_VIDEO_BUCKET", "vid-b")
    assert (Settings().image_bucket, Settings().video_bucket) == ("img-b", "vid-b")
