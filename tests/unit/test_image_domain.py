"""The image service's domain rules: image statuses, attempts per shot, approval and replacement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reelflow_contracts.messages.base import Usage
from reelflow_image.domain import (
    MAX_NOTES_CHARS,
    AlreadyRejected,
    GenerationInProgress,
    Image,
    ImageStatus,
    NotPending,
    Shot,
    approve,
    reject,
)

AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
LATER = AT + timedelta(minutes=5)


def planned() -> Shot:
    return Shot.planned(
        id="shot-1",
        script_id="script-1",
        scene_id="scene-1",
        scene_order=2,
        order=1,
        description="Nora coils a rope",
        prompt="Wide shot of a pier at dawn.",
        width=1920,
        height=1080,
        characters=("Nora",),
        at=AT,
    )


def drawn(shot: Shot, attempt: int | None = None, image_id: str | None = None) -> tuple[Image, Shot]:
    """The shot's latest attempt drawn: a pending image, and the shot no longer generating."""
    attempt = attempt or shot.attempts
    image = Image.generated(
        id=image_id or f"image-{attempt}",
        shot=shot,
        attempt=attempt,
        prompt=shot.prompt,
        media_key=f"images/scene_scene-1/image_image-{attempt}.png",
        size_bytes=1000,
        previous_image_id=None,
        usage=Usage(images=1),
        at=AT,
    )
    return image, shot.attempt_ended()


def test_a_planned_shot_starts_its_first_attempt_once():
    shot = planned().first_attempt()
    assert (shot.attempts, shot.generating, shot.approved_image_id, shot.notes) == (1, True, None, ())
    with pytest.raises(GenerationInProgress):
        shot.first_attempt()


def test_a_drawn_image_is_pending_and_ends_the_attempt():
    image, shot = drawn(planned().first_attempt())
    assert image.status is ImageStatus.PENDING and (image.width, image.height) == (1920, 1080)
    assert not shot.generating and shot.attempts == 1


def test_approve_only_a_pending_image():
    image, shot = drawn(planned().first_attempt())
    approval = approve(image, shot, LATER)
    assert approval.image.status is ImageStatus.APPROVED and approval.image.decided_at == LATER
    assert approval.shot.approved_image_id == image.id and approval.replaced_image_id is None
    with pytest.raises(NotPending) as refused:
        approve(approval.image, approval.shot, LATER)
    assert refused.value.code == "not_pending" and "approved" in refused.value.reason
    rejected = reject(image, shot, "", 5, LATER).image
    with pytest.raises(NotPending):
        approve(rejected, shot, LATER)


def test_reject_a_pending_image_starts_the_next_attempt_with_the_feedback():
    image, shot = drawn(planned().first_attempt())
    rejection = reject(image, shot, "  Make it   stormier. ", 5, LATER)
    assert rejection.image.status is ImageStatus.REJECTED and rejection.image.feedback == "  Make it   stormier. "
    assert rejection.next_attempt == 2
    assert (rejection.shot.attempts, rejection.shot.generating, rejection.shot.notes) == (
        2,
        True,
        ("Make it stormier.",),
    )
    assert rejection.shot.revision_notes == "Make it stormier."


def test_blank_feedback_is_not_kept_and_notes_accumulate_oldest_first():
    image, shot = drawn(planned().first_attempt())
    shot = reject(image, shot, "   ", 5, LATER).shot
    assert shot.notes == () and shot.revision_notes == ""
    image, shot = drawn(shot)
    shot = reject(image, shot, "Wider.", 5, LATER).shot
    image, shot = drawn(shot)
    shot = reject(image, shot, "Show her face.", 5, LATER).shot
    assert shot.attempts == 4 and shot.revision_notes == "Wider. Show her face."


def test_revision_notes_keep_the_most_recent_within_the_feedback_limit():
    shot = planned()
    for n in range(5):
        shot = shot.with_notes_of(f"{n}" * 900)
    notes = shot.revision_notes
    assert len(notes) <= MAX_NOTES_CHARS and notes == f"{'3' * 900} {'4' * 900}"
    assert len(planned().with_notes_of("x" * 5000).revision_notes) == MAX_NOTES_CHARS


def test_a_failed_attempt_can_be_rejected_to_try_the_shot_again():
    shot = planned().first_attempt()
    failed = Image.failed(
        id="image-1",
        shot=shot,
        attempt=1,
        prompt=shot.prompt,
        previous_image_id=None,
        usage=Usage(),
        code="storage_unavailable",
        error="S3 down",
        at=AT,
    )
    shot = shot.attempt_ended()
    assert failed.status is ImageStatus.FAILED and failed.media_key == ""
    with pytest.raises(NotPending):
        approve(failed, shot, LATER)
    rejection = reject(failed, shot, "", 5, LATER)
    assert rejection.image.status is ImageStatus.REJECTED and rejection.next_attempt == 2


def test_a_rejected_image_cannot_be_rejected_again():
    image, shot = drawn(planned().first_attempt())
    rejection = reject(image, shot, "", 5, LATER)
    with pytest.raises(AlreadyRejected) as refused:
        reject(rejection.image, drawn(rejection.shot)[1], "", 5, LATER)
    assert refused.value.code == "already_rejected"


def test_one_attempt_at_a_time_per_shot():
    image, shot = drawn(planned().first_attempt())
    generating = reject(image, shot, "", 5, LATER).shot
    with pytest.raises(GenerationInProgress) as refused:
        reject(image, generating, "", 5, LATER)
    assert refused.value.code == "generation_in_progress"


def test_past_the_last_attempt_the_rejection_stands_but_no_attempt_follows():
    image, shot = drawn(planned().first_attempt())
    shot = reject(image, shot, "Wider.", 2, LATER).shot
    image, shot = drawn(shot)
    rejection = reject(image, shot, "Still wrong.", 2, LATER)
    assert rejection.next_attempt is None and rejection.image.status is ImageStatus.REJECTED
    assert (rejection.shot.attempts, rejection.shot.generating, rejection.shot.notes) == (
        2,
        False,
        ("Wider.", "Still wrong."),
    )


def test_rejecting_the_approved_image_keeps_it_until_a_new_one_is_approved_which_replaces_it():
    image, shot = drawn(planned().first_attempt())
    first = approve(image, shot, AT)
    rejection = reject(first.image, first.shot, "Closer.", 5, LATER)
    assert rejection.image.status is ImageStatus.REJECTED and rejection.next_attempt == 2
    assert rejection.shot.approved_image_id == image.id  # still the shot's image in the video
    second, shot = drawn(rejection.shot)
    replacement = approve(second, shot, LATER)
    assert replacement.replaced_image_id == image.id and replacement.shot.approved_image_id == second.id
