"""The image service's handler logic that needs no servers: what a generation asks the provider
for, the prompt it records, ids, storage failures."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from PIL import Image

from reelflow_image.adapters.media import ImageMedia, StorageFailure
from reelflow_image.domain import Shot
from reelflow_image.handlers import image_id_of
from reelflow_image.handlers.generation import attempt_prompt, image_request, png_size
from reelflow_kit.ai.image_generation import REVISION_LEAD

AT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone.utc)
SHOT = Shot.planned(id="shot-1", script_id="script-1", scene_id="scene-1", scene_order=1, order=2,
                    description="Nora coils a rope", prompt="Wide shot of a pier at dawn.", width=1080, height=1920,
                    characters=("Nora",), at=AT).first_attempt()


def test_an_attempt_asks_for_the_shots_frame_with_its_caption_characters_and_the_reviewers_notes():
    shot = SHOT.attempt_ended().next_attempt("Closer on her hands.", 5)
    request = image_request(shot, shot.attempts)
    assert (request.prompt, request.caption, request.width, request.height, request.attempt, request.feedback,
            request.characters) == ("Wide shot of a pier at dawn.", "Nora coils a rope", 1080, 1920, 2,
                                    "Closer on her hands.", ("Nora",))
    assert attempt_prompt(shot) == f"Wide shot of a pier at dawn.\n\n{REVISION_LEAD}Closer on her hands."
    assert attempt_prompt(SHOT) == "Wide shot of a pier at dawn."


def test_image_ids_derive_from_the_shot_and_the_attempt():
    assert image_id_of("shot-1", 1) == image_id_of("shot-1", 1)
    assert len({image_id_of("shot-1", 1), image_id_of("shot-1", 2), image_id_of("shot-2", 1)}) == 3


def test_png_size_reads_the_header():
    out = io.BytesIO()
    Image.new("RGB", (1920, 1080)).save(out, format="PNG")
    assert png_size(out.getvalue()) == (1920, 1080)
    assert png_size(b"GIF89a....") is None and png_size(b"") is None


class StoreFailingWith:
    bucket = "reelflow-image"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        raise self.exc


def client_error(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} happened"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")


@pytest.mark.parametrize("exc, code", [
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "storage_unavailable"),
    (client_error(503, "SlowDown"), "storage_unavailable"),
    (client_error(500, "InternalError"), "storage_unavailable"),
    (client_error(403, "AccessDenied"), "storage_error"),
])
async def test_storage_failures_carry_a_code_and_the_key(exc, code):
    with pytest.raises(StorageFailure) as failed:
        await ImageMedia(StoreFailingWith(exc)).put_png("images/scene_s/image_i.png", b"png")
    assert failed.value.code == code
    assert "S3 PutObject reelflow-image/images/scene_s/image_i.png failed" in failed.value.message


def test_a_dead_lettered_shot_fails_its_first_image_for_good_with_the_reason():
    from reelflow_contracts.envelope import new_envelope
    from reelflow_contracts.messages.scene import ShotPlanned
    from reelflow_image.handlers import shot_not_drawn

    planned = new_envelope(ShotPlanned(script_id="s1", scene_id="c1", shot_id="h1", scene_order=1, order=1,
                                       shot_count=1, description="d", image_prompt="p", duration_s=2.0), source="scene")
    failed = shot_not_drawn(planned, "handler failed after 5 attempts: KeyError: 'x'")
    assert (failed.image_id, failed.shot_id, failed.scene_id, failed.attempt) == (image_id_of("h1", 1), "h1", "c1", 1)
    assert failed.final and failed.code == "dead_lettered" and "KeyError" in failed.error
