"""The image service's handler decisions, with an in-memory unit of work, media store and image
generator (the integration tests prove the same handlers on Kafka, MongoDB and S3), and the
handler logic that needs no servers: what a generation asks the provider for, ids, storage failures."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from PIL import Image as Picture

from reelflow_contracts.envelope import new_envelope
from reelflow_contracts.messages.base import Usage
from reelflow_contracts.messages.common import StyleHints
from reelflow_contracts.messages.image import (
    ApproveImage,
    ImageApproved,
    ImageGenerated,
    ImageGenerationFailed,
    ImageRejected,
    RejectImage,
    image_media_key,
)
from reelflow_contracts.messages.scene import ShotPlanned
from reelflow_image.adapters.drafts import Draft
from reelflow_image.adapters.media import ImageMedia, StorageFailure
from reelflow_image.domain import Image, ImageStatus, Shot
from reelflow_image.handlers import (
    GENERATE_IMAGE,
    approve_image,
    generate_images_with,
    give_up,
    image_id_of,
    on_shot_planned,
    reject_image_with,
    shot_not_drawn,
)
from reelflow_image.handlers.common import attempt_prompt
from reelflow_image.handlers.generation import image_request, png_size
from reelflow_kit.ai import AIProviderError
from reelflow_kit.ai.image_generation import REVISION_LEAD
from reelflow_kit.failures import Failure, Outage, RetryLater
from tests.support.fakes import Queued, delivered, job
from tests.support.fakes.image import (
    FakeImageGenerator,
    FakeImageUnitOfWork,
    FakeMediaStore,
    png_header,
)

AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
SHOT = Shot.planned(
    id="shot-1",
    script_id="script-1",
    scene_id="scene-1",
    scene_order=1,
    order=2,
    description="Nora coils a rope",
    prompt="Wide shot of a pier at dawn.",
    width=1080,
    height=1920,
    characters=("Nora",),
    at=AT,
).first_attempt()
FIRST = image_id_of("shot-1", 1)
DRAWN = SHOT.attempt_ended()
PENDING = Image.generated(
    id=FIRST,
    shot=SHOT,
    attempt=1,
    prompt=SHOT.prompt,
    media_key="images/scene_scene-1/a.png",
    size_bytes=100,
    previous_image_id=None,
    usage=Usage(),
    at=AT,
)
approve_command = ApproveImage(script_id="script-1", image_id=FIRST)
reject_image = reject_image_with(max_attempts=3)


def order_of(shot: Shot, previous_image_id: str | None = None) -> dict:
    return {
        "image_id": image_id_of(shot.id, shot.attempts),
        "shot_id": shot.id,
        "scene_id": shot.scene_id,
        "script_id": shot.script_id,
        "attempt": shot.attempts,
        "previous_image_id": previous_image_id,
    }


# -- ShotPlanned -----------------------------------------------------------------------------


def planned(shot_id: str = "shot-1") -> ShotPlanned:
    return ShotPlanned(
        script_id="script-1",
        scene_id="scene-1",
        shot_id=shot_id,
        scene_order=1,
        order=2,
        shot_count=3,
        description="Nora coils a rope",
        image_prompt="Wide shot of a pier at dawn.",
        duration_s=3.0,
        style=StyleHints(aspect="9:16", characters=["Nora"]),
    )


async def test_a_planned_shot_is_stored_and_its_first_attempt_queued_in_turn_with_its_script():
    event = planned()
    uow = FakeImageUnitOfWork(delivered(event, source="scene"))
    await on_shot_planned(event, uow)
    shot = uow.shots.by_id["shot-1"]
    assert (shot.width, shot.height, shot.attempts, shot.generating) == (1080, 1920, 1, True)
    assert shot.characters == ("Nora",)
    assert uow.enqueued == [Queued(GENERATE_IMAGE, f"generate-image/{FIRST}", order_of(shot), fair_key="script-1")]
    assert uow.emitted == [] and uow.commits == 1


async def test_a_known_shot_queues_nothing_again():
    event = planned()
    uow = FakeImageUnitOfWork(delivered(event, source="scene"), shots=(SHOT,))
    await on_shot_planned(event, uow)
    assert uow.enqueued == [] and uow.emitted == [] and uow.shots.by_id["shot-1"] is SHOT


def test_a_dead_lettered_shot_fails_its_first_image_for_good_with_the_reason():
    envelope = new_envelope(planned("h1"), source="scene")
    failed = shot_not_drawn(envelope, "handler failed after 5 attempts: KeyError: 'x'")
    assert (failed.image_id, failed.shot_id, failed.scene_id, failed.attempt) == (
        image_id_of("h1", 1),
        "h1",
        "scene-1",
        1,
    )
    assert failed.final and failed.code == "dead_lettered" and "KeyError" in failed.error


# -- ApproveImage and RejectImage --------------------------------------------------------------


async def test_approving_a_pending_image_names_the_image_it_replaces():
    earlier = image_id_of("shot-1", 0)
    uow = FakeImageUnitOfWork(delivered(approve_command), shots=(DRAWN.approving(earlier)[0],), images=(PENDING,))
    await approve_image(approve_command, uow)
    [approved] = uow.emitted
    assert isinstance(approved, ImageApproved)
    assert (approved.image_id, approved.replaced_image_id, approved.media_key) == (FIRST, earlier, PENDING.media_key)
    assert uow.images.by_id[FIRST].status is ImageStatus.APPROVED
    assert uow.shots.by_id["shot-1"].approved_image_id == FIRST


@pytest.mark.parametrize("command", [approve_command, RejectImage(script_id="script-1", image_id=FIRST)])
async def test_an_unknown_image_or_one_of_another_script_is_not_found(command):
    handler = approve_image if isinstance(command, ApproveImage) else reject_image
    uow = FakeImageUnitOfWork(delivered(command), shots=(DRAWN,))
    await handler(command, uow)
    assert uow.refusals == [("not_found", f"there is no image {FIRST} in script script-1")]

    elsewhere = command.model_copy(update={"script_id": "script-2"})
    uow = FakeImageUnitOfWork(delivered(elsewhere), shots=(DRAWN,), images=(PENDING,))
    await handler(elsewhere, uow)
    assert [code for code, _ in uow.refusals] == ["not_found"] and uow.images.by_id[FIRST] is PENDING


async def test_only_a_pending_image_is_approved():
    rejected = PENDING.rejected("no", AT)
    uow = FakeImageUnitOfWork(delivered(approve_command), shots=(DRAWN,), images=(rejected,))
    await approve_image(approve_command, uow)
    assert [code for code, _ in uow.refusals] == ["not_pending"] and uow.images.by_id[FIRST] is rejected


async def test_a_rejection_queues_the_shots_next_attempt_with_the_reviewers_notes():
    cmd = RejectImage(script_id="script-1", image_id=FIRST, feedback="Closer on her hands.")
    uow = FakeImageUnitOfWork(delivered(cmd), shots=(DRAWN,), images=(PENDING,))
    await reject_image(cmd, uow)
    [rejected] = uow.emitted
    assert isinstance(rejected, ImageRejected) and rejected.feedback == "Closer on her hands."
    shot = uow.shots.by_id["shot-1"]
    assert (shot.attempts, shot.generating, shot.notes) == (2, True, ("Closer on her hands.",))
    second = image_id_of("shot-1", 2)
    assert uow.enqueued == [Queued(GENERATE_IMAGE, f"generate-image/{second}", order_of(shot, FIRST), "script-1")]


@pytest.mark.parametrize(
    "image, shot, code",
    [
        (PENDING.rejected("no", AT), DRAWN, "already_rejected"),
        (PENDING, SHOT, "generation_in_progress"),
    ],
)
async def test_a_rejection_the_state_does_not_allow_is_refused_and_changes_nothing(image, shot, code):
    cmd = RejectImage(script_id="script-1", image_id=FIRST)
    uow = FakeImageUnitOfWork(delivered(cmd), shots=(shot,), images=(image,))
    await reject_image(cmd, uow)
    assert [c for c, _ in uow.refusals] == [code] and uow.enqueued == []
    assert uow.images.by_id[FIRST] is image and uow.shots.by_id["shot-1"] is shot


async def test_rejecting_the_last_attempt_ends_in_max_attempts_instead_of_a_new_attempt():
    last = image_id_of("shot-1", 3)
    shot = DRAWN.next_attempt("", 3).attempt_ended().next_attempt("", 3).attempt_ended()
    image = Image.generated(
        id=last,
        shot=shot,
        attempt=3,
        prompt="p",
        media_key="k",
        size_bytes=1,
        previous_image_id=None,
        usage=Usage(),
        at=AT,
    )
    cmd = RejectImage(script_id="script-1", image_id=last, feedback="Still wrong.")
    uow = FakeImageUnitOfWork(delivered(cmd), shots=(shot,), images=(image,))
    await reject_image(cmd, uow)
    rejected, failed = uow.emitted
    assert isinstance(rejected, ImageRejected) and isinstance(failed, ImageGenerationFailed)
    assert (failed.image_id, failed.attempt, failed.code, failed.final) == (last, 3, "max_attempts", True)
    assert uow.enqueued == [] and uow.shots.by_id["shot-1"].notes == ("Still wrong.",)


# -- the generate-image job --------------------------------------------------------------------

KEY = image_media_key("scene-1", FIRST)


def generation(generator: FakeImageGenerator | None = None, media: FakeMediaStore | None = None):
    return generate_images_with(generator or FakeImageGenerator(), media or FakeMediaStore(), "instance-7")


def job_unit(shot: Shot = SHOT, attempt: int = 1, **stored) -> FakeImageUnitOfWork:
    return FakeImageUnitOfWork(job=job(GENERATE_IMAGE, order_of(shot), attempt=attempt), shots=(shot,), **stored)


async def test_a_drawn_attempt_is_stored_pending_and_announced():
    generator, media = FakeImageGenerator(), FakeMediaStore()
    uow = job_unit(attempt=2)
    await generation(generator, media)(uow.job, uow)
    [generated] = uow.emitted
    assert isinstance(generated, ImageGenerated)
    assert (generated.image_id, generated.media_key, generated.width, generated.height) == (FIRST, KEY, 1080, 1920)
    assert media.puts == {KEY: png_header(1080, 1920)} and [r.attempt for r in generator.requests] == [1]
    assert uow.images.by_id[FIRST].status is ImageStatus.PENDING and not uow.shots.by_id["shot-1"].generating
    timings = uow.images.timings[FIRST]
    assert (timings["try"], timings["instance"], timings["redrawn"]) == (2, "instance-7", True)
    assert uow.failed_with is None and uow.commits == 1


async def test_a_kept_draft_is_uploaded_without_drawing_and_then_removed():
    generator = FakeImageGenerator()
    draft = Draft(png=png_header(1080, 1920), usage=Usage(provider="openai", images=1), draw_s=2.5)
    uow = job_unit(drafts={FIRST: draft})
    await generation(generator)(uow.job, uow)
    [generated] = uow.emitted
    assert generator.requests == [] and uow.drafts.by_id == {}
    assert (generated.usage, generated.generation_s, uow.images.timings[FIRST]["redrawn"]) == (draft.usage, 2.5, False)


async def test_a_provider_error_worth_retrying_goes_back_to_the_job_queue():
    busy = AIProviderError("rate_limited", "HTTP 429", retry_after=30.0)
    uow = job_unit()
    with pytest.raises(AIProviderError) as raised:
        await generation(FakeImageGenerator(failing=busy))(uow.job, uow)
    assert raised.value.failure.delay_s == 30.0
    assert uow.commits == 0 and uow.images.by_id == {}


async def test_a_provider_error_no_retry_fixes_ends_the_attempt_failed_at_once():
    refused = AIProviderError("bad_request", "the prompt was refused", usage=Usage(provider="openai"))
    uow = job_unit()
    await generation(FakeImageGenerator(failing=refused))(uow.job, uow)
    [failed] = uow.emitted
    assert isinstance(failed, ImageGenerationFailed)
    assert (failed.code, failed.error, failed.final, failed.usage.provider) == (
        "bad_request",
        "the prompt was refused",
        True,
        "openai",
    )
    image = uow.images.by_id[FIRST]
    assert (image.status, image.error_code, image.prompt) == (ImageStatus.FAILED, "bad_request", attempt_prompt(SHOT))
    assert not uow.shots.by_id["shot-1"].generating
    assert uow.failed_with is not None and uow.failed_with.code == "bad_request"


async def test_a_picture_of_the_wrong_size_is_a_failed_attempt():
    media = FakeMediaStore()
    uow = job_unit()
    await generation(FakeImageGenerator(size=(1920, 1080)), media)(uow.job, uow)
    [failed] = uow.emitted
    assert isinstance(failed, ImageGenerationFailed) and failed.code == "invalid_output"
    assert "(1920, 1080) instead of a 1080x1920 PNG" in failed.error and failed.usage.images == 1
    assert media.puts == {} and uow.failed_with is not None and not uow.failed_with.retryable


async def test_the_store_away_is_an_outage_and_the_drawn_picture_waits_as_a_draft():
    media = FakeMediaStore(failing=StorageFailure("storage_unavailable", "S3 PutObject failed: HTTP 503"))
    uow = job_unit()
    with pytest.raises(Outage) as raised:
        await generation(media=media)(uow.job, uow)
    assert (raised.value.code, str(raised.value)) == ("storage_unavailable", "S3 PutObject failed: HTTP 503")
    assert uow.drafts.by_id[FIRST].png == png_header(1080, 1920)
    assert uow.commits == 0 and uow.emitted == []


async def test_a_store_that_refuses_is_retried_later_without_drawing_again():
    media = FakeMediaStore(failing=StorageFailure("storage_error", "S3 PutObject failed: HTTP 403"))
    generator = FakeImageGenerator()
    uow = job_unit()
    with pytest.raises(RetryLater) as raised:
        await generation(generator, media)(uow.job, uow)
    assert raised.value.code == "storage_error" and FIRST in uow.drafts.by_id

    media.failing = None
    await generation(generator, media)(uow.job, uow)
    assert len(generator.requests) == 1 and KEY in media.puts and uow.drafts.by_id == {}


async def test_a_job_for_an_unknown_shot_ends_failed():
    uow = FakeImageUnitOfWork(job=job(GENERATE_IMAGE, order_of(SHOT)))
    await generation()(uow.job, uow)
    assert uow.emitted == [] and uow.failed_with == Failure("not_found", "unknown shot", retryable=False)


async def test_giving_up_records_the_last_failure_with_its_code_and_the_drafts_usage():
    usage = Usage(provider="openai", images=1)
    uow = job_unit(drafts={FIRST: Draft(png=b"png", usage=usage, draw_s=1.0)})
    away = Failure("storage_unavailable", "S3 PutObject failed: connection refused")
    await give_up(uow.job, away, uow)
    [failed] = uow.emitted
    assert isinstance(failed, ImageGenerationFailed)
    assert (failed.code, failed.error, failed.usage) == ("storage_unavailable", away.message, usage)
    assert uow.images.by_id[FIRST].status is ImageStatus.FAILED and uow.drafts.by_id == {}
    assert uow.failed_with == away and not uow.shots.by_id["shot-1"].generating


async def test_giving_up_after_an_unexpected_error_names_it_generation_failed():
    uow = job_unit()
    await give_up(uow.job, Failure.of(KeyError("x")), uow)
    [failed] = uow.emitted
    assert (failed.code, failed.error, failed.usage) == ("generation_failed", "KeyError: 'x'", Usage())
    assert uow.failed_with is not None and uow.failed_with.code == "generation_failed"


async def test_giving_up_on_an_attempt_already_recorded_adds_nothing():
    uow = job_unit(shot=DRAWN, images=(PENDING,))
    await give_up(uow.job, Failure("timeout", "slow"), uow)
    assert uow.emitted == [] and uow.images.by_id[FIRST] is PENDING and uow.commits == 1


# -- what an attempt asks for, and its ids ------------------------------------------------------


def test_an_attempt_asks_for_the_shots_frame_with_its_characters_and_the_reviewers_notes():
    shot = SHOT.attempt_ended().next_attempt("Closer on her hands.", 5)
    assert shot is not None
    request = image_request(shot, shot.attempts)
    assert (
        request.prompt,
        request.width,
        request.height,
        request.attempt,
        request.feedback,
        request.characters,
    ) == ("Wide shot of a pier at dawn.", 1080, 1920, 2, "Closer on her hands.", ("Nora",))
    assert attempt_prompt(shot) == f"Wide shot of a pier at dawn.\n\n{REVISION_LEAD}Closer on her hands."
    assert attempt_prompt(SHOT) == "Wide shot of a pier at dawn."


def test_image_ids_derive_from_the_shot_and_the_attempt():
    assert image_id_of("shot-1", 1) == image_id_of("shot-1", 1)
    assert len({image_id_of("shot-1", 1), image_id_of("shot-1", 2), image_id_of("shot-2", 1)}) == 3


def test_png_size_reads_the_header():
    out = io.BytesIO()
    Picture.new("RGB", (1920, 1080)).save(out, format="PNG")
    assert png_size(out.getvalue()) == (1920, 1080) and png_size(png_header(1080, 1920)) == (1080, 1920)
    assert png_size(b"GIF89a....") is None and png_size(b"") is None


# -- the media store ----------------------------------------------------------------------------


class StoreFailingWith:
    bucket = "reelflow-image"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        raise self.exc


def client_error(status: int, code: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": f"{code} happened"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )


@pytest.mark.parametrize(
    "exc, code",
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "storage_unavailable"),
        (client_error(503, "SlowDown"), "storage_unavailable"),
        (client_error(500, "InternalError"), "storage_unavailable"),
        (client_error(403, "AccessDenied"), "storage_error"),
    ],
)
async def test_storage_failures_carry_a_code_and_the_key(exc, code):
    with pytest.raises(StorageFailure) as failed:
        await ImageMedia(StoreFailingWith(exc)).put_png("images/scene_s/image_i.png", b"png")
    assert failed.value.code == code
    assert "S3 PutObject reelflow-image/images/scene_s/image_i.png failed" in failed.value.message
