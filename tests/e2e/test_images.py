"""Images through HTTP -> scene service -> image service -> events -> read model -> HTTP, and the
PNGs from object storage through the gateway."""

from __future__ import annotations

import io

from PIL import Image

from tests.e2e.conftest import IMAGE_MAX_ATTEMPTS
from tests.e2e.helpers import (
    KITCHEN,
    User,
    approve_scene,
    approve_script,
    assert_error,
    attempt_of,
    create_script,
    first_images,
    images_of,
    wait_attempt,
    wait_images,
)

MISSING_ID = "00000000-0000-4000-8000-000000000000"


def scene_with_images(user: User, content: str = KITCHEN, aspect: str = "16:9") -> tuple[dict, list[dict], list[dict]]:
    """A script with one approved scene whose shots all have their first image: (scene, shots, images)."""
    script = create_script(user, content, aspect=aspect)
    scene = approve_script(user, script["id"])[0]
    shots = approve_scene(user, scene["id"])
    return scene, shots, first_images(user, scene["id"], shots)


def png_of(user: User, image: dict) -> tuple[Image.Image, bytes]:
    response = user.get(image["content_url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert int(response.headers["content-length"]) == len(response.content)
    picture = Image.open(io.BytesIO(response.content))
    picture.load()
    return picture, response.content


def reject(user: User, image_id: str, feedback: str = "") -> dict:
    response = user.post(f"/api/images/{image_id}/reject", json={"feedback": feedback})
    assert response.status_code == 200, response.text
    return response.json()


def approve(user: User, image_id: str) -> dict:
    response = user.post(f"/api/images/{image_id}/approve")
    assert response.status_code == 200, response.text
    return response.json()


def test_approving_a_scene_draws_one_pending_image_per_shot(alice: User) -> None:
    scene, shots, images = scene_with_images(alice)
    assert len(shots) >= 2
    assert [i["shot_id"] for i in images] == [s["id"] for s in shots]  # in shot order
    for image, shot in zip(images, shots, strict=False):
        assert image["status"] == "pending" and image["attempt"] == 1
        assert (image["scene_id"], image["script_id"], image["shot_order"]) == (
            scene["id"],
            scene["script_id"],
            shot["order"],
        )
        assert (image["width"], image["height"]) == (1920, 1080)
        assert image["prompt"] == shot["image_prompt"]
        assert image["content_url"] == f"/api/images/{image['id']}/content"
        assert image["selected"] is False and image["replaced_by"] is None and image["previous_image_id"] is None
        assert image["feedback"] is None and image["code"] is None and image["error"] is None
        assert image["generated_at"] and image["approved_at"] is None and image["size_bytes"] > 0
        assert alice.get(f"/api/images/{image['id']}").json() == image

        picture, data = png_of(alice, image)
        assert picture.format == "PNG" and picture.size == (image["width"], image["height"])
        assert len(data) == image["size_bytes"]
        assert len(picture.getcolors(1 << 16) or range(1 << 16)) > 16  # a drawn frame, not a flat fill

    page = alice.get(f"/api/scenes/{scene['id']}/images").json()
    assert (page["total"], page["limit"], page["offset"]) == (len(shots), 100, 0)
    second = alice.get(f"/api/scenes/{scene['id']}/images", params={"limit": 1, "offset": 1}).json()
    assert second == {"items": [images[1]], "total": len(shots), "limit": 1, "offset": 1}
    assert_error(alice.get(f"/api/scenes/{scene['id']}/images", params={"limit": 0}), 422)


def test_image_content_is_cacheable_for_good(alice: User) -> None:
    _, _, images = scene_with_images(alice)
    url = images[0]["content_url"]
    response = alice.get(url)
    etag = response.headers["etag"]
    assert etag and "immutable" in response.headers["cache-control"]
    assert "private" in response.headers["cache-control"]
    again = alice.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert alice.get(url, headers={"If-None-Match": '"something-else"'}).content == response.content
    assert alice.get(images[1]["content_url"]).headers["etag"] != etag


def test_reject_draws_a_new_attempt_and_approve_selects_it(alice: User) -> None:
    scene, shots, images = scene_with_images(alice)
    first, shot = images[0], shots[0]

    rejected = reject(alice, first["id"], "make it a sunny morning by the sea")
    assert rejected["status"] == "rejected" and rejected["feedback"] == "make it a sunny morning by the sea"
    assert rejected["attempt"] == 1 and rejected["rejected_at"]

    second = wait_attempt(alice, scene["id"], shot["id"], 2)
    assert second["status"] == "pending" and second["previous_image_id"] == first["id"]
    assert "sunny morning by the sea" in second["prompt"]
    assert png_of(alice, second)[1] != png_of(alice, first)[1]
    now = images_of(alice, scene["id"])
    assert attempt_of(now, shot["id"], 1)["status"] == "rejected"  # the old one stays rejected
    assert [(i["shot_id"], i["attempt"]) for i in now] == [(shot["id"], 1), (shot["id"], 2)] + [
        (s["id"], 1) for s in shots[1:]
    ]  # other shots untouched

    approved = approve(alice, second["id"])
    assert approved["status"] == "approved" and approved["selected"] is True and approved["approved_at"]
    assert alice.get(f"/api/images/{second['id']}").json() == approved  # read-your-writes
    body = assert_error(alice.post(f"/api/images/{second['id']}/approve"), 409)
    assert body["code"] == "not_pending"
    assert assert_error(alice.post(f"/api/images/{first['id']}/approve"), 409)["code"] == "not_pending"
    assert assert_error(alice.post(f"/api/images/{first['id']}/reject", json={}), 409)["code"] == "already_rejected"

    # Rejecting the approved image asks for a better one; it stays the shot's image until then.
    again = reject(alice, second["id"])
    assert again["status"] == "rejected" and again["selected"] is True and again["feedback"] == ""
    third = wait_attempt(alice, scene["id"], shot["id"], 3)
    assert third["status"] == "pending" and third["previous_image_id"] == second["id"]
    replacing = approve(alice, third["id"])
    assert replacing["selected"] is True and replacing["attempt"] == 3
    replaced = alice.get(f"/api/images/{second['id']}").json()
    assert replaced["selected"] is False and replaced["replaced_by"] == third["id"] and replaced["status"] == "rejected"
    mine = [i for i in images_of(alice, scene["id"]) if i["shot_id"] == shot["id"]]
    assert [(i["attempt"], i["status"], i["selected"]) for i in mine] == [
        (1, "rejected", False),
        (2, "rejected", False),
        (3, "approved", True),
    ]


def test_the_attempts_cap_ends_in_a_visible_failure(alice: User) -> None:
    assert IMAGE_MAX_ATTEMPTS == 3
    scene, shots, images = scene_with_images(alice)
    shot = shots[-1]
    image = attempt_of(images, shot["id"], 1)
    long_feedback = "warmer light, " * 142 + "ok"  # 1990 characters: long feedback is fine up to 2000
    for attempt in range(1, IMAGE_MAX_ATTEMPTS):
        reject(alice, image["id"], long_feedback if attempt == 1 else "closer on her hands")
        image = wait_attempt(alice, scene["id"], shot["id"], attempt + 1)
        assert image["status"] == "pending"

    last = alice.post(f"/api/images/{image['id']}/reject", json={"feedback": "x" * 2000})
    assert last.status_code == 200, last.text
    assert last.json()["status"] in ("rejected", "failed")
    failed = wait_images(
        alice,
        scene["id"],
        lambda images: attempt_of(images, shot["id"], IMAGE_MAX_ATTEMPTS)["status"] == "failed",
        what="the shot's failure",
    )
    final = attempt_of(failed, shot["id"], IMAGE_MAX_ATTEMPTS)
    assert final["code"] == "max_attempts" and str(IMAGE_MAX_ATTEMPTS) in final["error"]
    assert final["feedback"] == "x" * 2000 and final["failed_at"] and final["content_url"]
    assert alice.get(f"/api/images/{final['id']}").json() == final

    mine = [i for i in failed if i["shot_id"] == shot["id"]]
    assert [i["attempt"] for i in mine] == list(range(1, IMAGE_MAX_ATTEMPTS + 1))  # no attempt past the cap
    assert not any(i["status"] == "pending" for i in mine)  # nothing left waiting
    body = assert_error(alice.post(f"/api/images/{final['id']}/reject", json={}), 409)
    assert body["code"] == "max_attempts"
    assert assert_error(alice.post(f"/api/images/{final['id']}/approve"), 409)["code"] == "not_pending"


def test_invalid_rejections_are_422(alice: User) -> None:
    _, _, images = scene_with_images(alice)
    for payload, word in (
        ({"feedback": "x" * 2001}, "feedback"),
        ({"feedback": 5}, "feedback"),
        ({"feedback": "ok", "prompt": "mine"}, "prompt"),
        ([], "body"),
    ):
        body = assert_error(alice.post(f"/api/images/{images[0]['id']}/reject", json=payload), 422)
        assert word in body["detail"], (payload, body)
    malformed = alice.post(
        f"/api/images/{images[0]['id']}/reject", content=b'{"feedback": ', headers={"Content-Type": "application/json"}
    )
    assert assert_error(malformed, 400)["code"] == "malformed_json"
    assert alice.get(f"/api/images/{images[0]['id']}").json() == images[0]  # nothing happened


def test_another_users_images_are_invisible(alice: User, bob: User) -> None:
    scene, _, images = scene_with_images(alice)
    image = images[0]
    assert_error(bob.get(f"/api/scenes/{scene['id']}/images"), 404)
    assert_error(bob.get(f"/api/images/{image['id']}"), 404)
    assert_error(bob.get(image["content_url"]), 404)
    assert_error(bob.post(f"/api/images/{image['id']}/approve"), 404)
    assert_error(bob.post(f"/api/images/{image['id']}/reject", json={"feedback": "mine now"}), 404)
    assert alice.get(f"/api/images/{image['id']}").json() == image  # neither approved nor rejected
    assert images_of(alice, scene["id"]) == images


def test_unknown_image_ids_are_404(alice: User) -> None:
    for image_id in (MISSING_ID, "nope", "x" * 300, "..", "a b"):
        assert_error(alice.get(f"/api/images/{image_id}"), 404)
        assert_error(alice.get(f"/api/images/{image_id}/content"), 404)
        assert_error(alice.post(f"/api/images/{image_id}/approve"), 404)
        assert_error(alice.post(f"/api/images/{image_id}/reject", json={}), 404)
    assert_error(alice.get(f"/api/scenes/{MISSING_ID}/images"), 404)
