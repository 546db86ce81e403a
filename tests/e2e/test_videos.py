"""Videos through HTTP -> video service (storyboard from events, FFmpeg render, S3) -> events ->
read model -> HTTP, with the MP4 downloaded through the gateway and checked with a real decoder."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import (
    HARBOR,
    KITCHEN,
    User,
    approve_scene,
    approve_script,
    assert_error,
    create_script,
    first_images,
    register,
    wait_attempt,
    wait_for,
)
from tests.support.review_marks import review_marks
from tests.support.video_probe import closest, distance, frame_at, probe, subtitles

FPS = 24
TRANSITION_S = 0.5
SMALL = {
    "resolution": "720p",
    "fps": FPS,
    "transition": "fade",
    "transition_s": TRANSITION_S,
    "narration": False,
    "subtitles": False,
    "motion": False,
}
"""Small, quick renders. Narration off, so every shot lasts exactly its planned duration; motion
off, so a frame in the middle of a shot is its picture itself: the storyboard frames of one scene
(same room, same light, another framing) differ too little to be told apart reliably under a zoom.
The vertical video has motion, narration and subtitles on."""
VERTICAL_LINE_CHARS = 16
"""A subtitle line of a 9:16 video holds at most this many characters (its title-safe width)."""
MISSING_ID = "00000000-0000-4000-8000-000000000000"
RENDER_TIMEOUT_S = 300.0


@dataclass
class Story:
    user: User
    script: dict
    scenes: list[dict]
    shots: list[dict] = field(default_factory=list)
    """Every shot of the script, in video order."""
    images: dict[str, dict] = field(default_factory=dict)
    """shot id -> its approved image."""
    refusals: list[httpx.Response] = field(default_factory=list)
    video: dict | None = None
    accepted: httpx.Response | None = None


def create_video(user: User, script_id: str, options: dict | None = None) -> httpx.Response:
    return user.post(f"/api/scripts/{script_id}/create-video", json=options if options is not None else SMALL)


RENDER_STEPS = ["queued", "preparing", "encoding", "joining", "storing"]


def wait_rendered(user: User, video_id: str, progress_seen: list[dict] | None = None, interval: float = 0.5) -> dict:
    """The video once rendered; while it is pending, each `progress` it shows goes to `progress_seen`."""

    def done() -> dict | None:
        response = user.get(f"/api/videos/{video_id}")
        assert response.status_code == 200, response.text
        video = response.json()
        if video["status"] == "pending":
            assert video["progress"]["step"] in RENDER_STEPS and 0 <= video["progress"]["fraction"] <= 1, video
            if progress_seen is not None:
                progress_seen.append(video["progress"])
            return None
        assert video["progress"] is None
        return video

    video = wait_for(done, timeout=RENDER_TIMEOUT_S, interval=interval, what=f"video {video_id}")
    assert video["status"] == "approved", video
    return video


def accepted_video(user: User, script_id: str, options: dict | None = None) -> dict:
    """create-video answered 202; then the video once rendered."""
    response = create_video(user, script_id, options)
    assert response.status_code == 202, response.text
    video_id = response.json()["id"]
    assert response.json() == {"id": video_id, "status": "pending"}
    assert response.headers["location"] == f"/api/videos/{video_id}"
    return wait_rendered(user, video_id)


def download(user: User, video: dict, path: Path) -> bytes:
    response = user.get(video["content_url"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    path.write_bytes(response.content)
    return response.content


def picture(user: User, image: dict) -> Image.Image:
    response = user.get(image["content_url"])
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def timeline(shots: list[dict], fps: int = FPS, transition_s: float = TRANSITION_S) -> tuple[list[int], list[int]]:
    """Each shot's frames and first frame: planned durations, overlapped by the transitions."""
    overlap = round(transition_s * fps)
    frames = [round(shot["duration_s"] * fps) for shot in shots]
    starts = [0]
    for count in frames[:-1]:
        starts.append(starts[-1] + count - overlap)
    return frames, starts


def approve_all(story: Story, scene: dict, shots: list[dict], skip: set[str] = frozenset()) -> None:
    wanted = {shot["id"] for shot in shots} - set(skip)
    for image in first_images(story.user, scene["id"], shots):
        if image["shot_id"] not in wanted:
            continue
        response = story.user.post(f"/api/images/{image['id']}/approve")
        assert response.status_code == 200, response.text
        story.images[image["shot_id"]] = response.json()


@pytest.fixture(scope="module")
def story(reelflow: Reelflow) -> Iterator[Story]:
    """A two-scene script taken to its first video: refused while scene 2 is unplanned, refused
    while one shot has no approved image, then accepted and rendered (the responses are kept)."""
    with httpx.Client(base_url=reelflow.base_url, timeout=60) as client:
        email, token = register(client)
        user = User(email, token, client)
        script = create_script(user, KITCHEN + "\n" + HARBOR, "Two scenes")
        scenes = approve_script(user, script["id"])
        assert len(scenes) == 2
        story = Story(user, script, scenes)

        first_shots = approve_scene(user, scenes[0]["id"])
        approve_all(story, scenes[0], first_shots)
        story.refusals.append(create_video(user, script["id"]))  # scene 2 not approved: no shots yet

        second_shots = approve_scene(user, scenes[1]["id"])
        held_back = second_shots[-1]
        approve_all(story, scenes[1], second_shots, skip={held_back["id"]})
        story.shots = first_shots + second_shots
        story.refusals.append(create_video(user, script["id"]))  # one shot without an approved image

        approve_all(story, scenes[1], [held_back])
        story.accepted = create_video(user, script["id"])
        assert story.accepted.status_code == 202, story.accepted.text
        story.video = wait_rendered(user, story.accepted.json()["id"])
        yield story


def test_create_video_is_refused_until_every_shot_has_an_approved_image(story: Story) -> None:
    unplanned, one_missing = story.refusals
    body = assert_error(unplanned, 409)
    assert body["code"] == "images_missing"
    assert body["unplanned_scene_ids"] == [story.scenes[1]["id"]] and body["missing_shots"] == []
    assert "scene" in body["detail"]

    body = assert_error(one_missing, 409)
    held_back = story.shots[-1]
    assert body["code"] == "images_missing" and body["unplanned_scene_ids"] == []
    assert body["missing_shots"] == [
        {"shot_id": held_back["id"], "scene_id": story.scenes[1]["id"], "scene_order": 2, "order": held_back["order"]}
    ]
    assert "1 shot(s) have no approved image" in body["detail"]


def test_an_accepted_video_is_rendered_and_becomes_approved(story: Story) -> None:
    user, video = story.user, story.video
    assert story.accepted.json() == {"id": video["id"], "status": "pending"}
    assert story.accepted.headers["location"] == f"/api/videos/{video['id']}"
    assert video["script_id"] == story.script["id"] and video["status"] == "approved"
    assert (video["width"], video["height"], video["fps"]) == (1280, 720, FPS)
    assert video["has_audio"] is False and video["size_bytes"] > 0 and video["render_s"] > 0
    assert video["content_url"] == f"/api/videos/{video['id']}/content"
    assert video["code"] is None and video["error"] is None and video["rendered_at"] and video["requested_at"]
    assert video["options"] == {**SMALL, "aspect": "16:9"}
    assert video["image_ids"] == [story.images[shot["id"]]["id"] for shot in story.shots]
    frames, _ = timeline(story.shots)
    expected = (sum(frames) - (len(frames) - 1) * round(TRANSITION_S * FPS)) / FPS
    assert abs(video["duration_s"] - expected) <= 1 / FPS
    assert user.get(f"/api/videos/{video['id']}").json() == video
    assert user.get(f"/api/scripts/{story.script['id']}/video").json() == video  # the latest


def test_the_mp4_shows_the_timeline_of_the_approved_images(story: Story, tmp_path: Path) -> None:
    user, video = story.user, story.video
    path = tmp_path / "video.mp4"
    download(user, video, path)
    seen = probe(path)
    frames, starts = timeline(story.shots)
    total = starts[-1] + frames[-1]  # the sum of the shots minus the transition overlaps
    assert abs(seen.frames - total) <= 1, (seen.frames, total)
    assert abs(seen.duration_s - total / FPS) <= 1 / FPS
    assert (seen.width, seen.height, seen.video_codec) == (1280, 720, "h264")
    assert round(seen.fps) == FPS and seen.audio_codec is None

    sources = [picture(user, story.images[shot["id"]]) for shot in story.shots]
    for index, (first, count) in enumerate(zip(starts, frames, strict=False)):
        middle = (first + count / 2) / FPS
        assert closest(frame_at(path, middle), sources) == index, f"shot {index + 1} at {middle:.2f}s"
        # the frame as the viewer sees it (motion off: the whole picture) carries no review stamp
        assert review_marks(frame_at(path, middle, (1280, 720))) == [], f"shot {index + 1} at {middle:.2f}s"


def test_video_content_supports_byte_ranges(story: Story) -> None:
    user, url = story.user, story.video["content_url"]
    whole = user.get(url)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes"
    full, size = whole.content, len(whole.content)
    assert size == story.video["size_bytes"] == int(whole.headers["content-length"])
    etag = whole.headers["etag"]
    assert "immutable" in whole.headers["cache-control"]

    for header, first, last in (
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-50", size - 50, size - 1),
        (f"bytes={size - 10}-{size + 1000}", size - 10, size - 1),
        (f"bytes=1000-{size * 2}", 1000, size - 1),
        ("bytes=7-7", 7, 7),
        (f"bytes=-{size + 5}", 0, size - 1),
    ):
        part = user.get(url, headers={"Range": header})
        assert part.status_code == 206, (header, part.status_code, part.text[:200])
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}", header
        assert part.content == full[first : last + 1], header
        assert int(part.headers["content-length"]) == last - first + 1
        assert part.headers["accept-ranges"] == "bytes" and part.headers["content-type"] == "video/mp4"

    for header in (f"bytes={size}-", f"bytes={size + 100}-{size + 200}", "bytes=-0"):
        refused = user.get(url, headers={"Range": header})
        body = assert_error(refused, 416)
        assert body["code"] == "range_not_satisfiable" and refused.headers["content-range"] == f"bytes */{size}"

    for ignored in ("bytes=abc", "bytes=5-2", "items=0-10", "bytes=0-1,5-9"):  # not served as ranges: whole
        response = user.get(url, headers={"Range": ignored})
        assert response.status_code == 200 and response.content == full, ignored
    stale = user.get(url, headers={"Range": "bytes=0-9", "If-Range": '"an-older-version"'})
    assert stale.status_code == 200 and stale.content == full
    fresh = user.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and fresh.content == full[:10]
    cached = user.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""


def test_a_content_ticket_lets_a_browser_fetch_the_video_without_headers(story: Story, bob: User) -> None:
    video = story.video
    ticket = story.user.get(f"/api/videos/{video['id']}/content-ticket")
    assert ticket.status_code == 200, ticket.text
    url = ticket.json()["url"]
    assert url.startswith(f"{video['content_url']}?ticket=") and ticket.json()["expires_at"]
    anonymous = story.user.client  # the same server, no Authorization header: as `<video src>` fetches
    whole = anonymous.get(url)
    assert whole.status_code == 200 and len(whole.content) == video["size_bytes"]
    part = anonymous.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == whole.content[:100]

    assert_error(anonymous.get(video["content_url"]), 401)  # no ticket, no token
    token = url.split("ticket=")[1]
    assert assert_error(anonymous.get(f"{video['content_url']}?ticket={token}x"), 401)["code"] == "invalid_ticket"
    other = story.images[story.shots[0]["id"]]  # a ticket is good for its own resource only
    assert assert_error(anonymous.get(f"{other['content_url']}?ticket={token}"), 401)["code"] == "invalid_ticket"
    assert_error(anonymous.get(video["content_url"], headers={"Authorization": f"Bearer {token}"}), 401)
    assert_error(anonymous.get(f"{video['content_url']}?ticket={story.user.token}"), 401)  # nor a token a ticket
    assert_error(bob.get(f"/api/videos/{video['id']}/content-ticket"), 404)

    image_ticket = story.user.get(f"/api/images/{other['id']}/content-ticket")
    assert image_ticket.status_code == 200
    png = anonymous.get(image_ticket.json()["url"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"


def test_another_users_videos_are_invisible(story: Story, bob: User) -> None:
    script_id, video = story.script["id"], story.video
    assert_error(create_video(bob, script_id), 404)
    assert_error(bob.get(f"/api/scripts/{script_id}/video"), 404)
    assert_error(bob.get(f"/api/videos/{video['id']}"), 404)
    assert_error(bob.get(video["content_url"]), 404)
    assert_error(bob.get(video["content_url"], headers={"Range": "bytes=0-9"}), 404)
    assert story.user.get(f"/api/scripts/{script_id}/video").json()["id"] == video["id"]  # nothing new


def test_create_video_input_is_checked(story: Story, alice: User) -> None:
    script_id = story.script["id"]
    for options, word in (
        ({"fps": 5}, "fps"),
        ({"aspect": "4:3"}, "aspect"),
        ({"resolution": "4k"}, "resolution"),
        ({"transition": "spin"}, "transition"),
        ({"transition_s": 6}, "transition_s"),
        ({"narration": "loud"}, "narration"),
        ({"speed": 2}, "speed"),
    ):
        body = assert_error(create_video(story.user, script_id, options), 422)
        assert word in body["detail"], (options, body)
    for video_id in (MISSING_ID, "nope", "x" * 300):
        assert_error(story.user.get(f"/api/videos/{video_id}"), 404)
        assert_error(story.user.get(f"/api/videos/{video_id}/content"), 404)
    assert_error(create_video(story.user, MISSING_ID), 404)

    draft = create_script(alice, KITCHEN)
    body = assert_error(create_video(alice, draft["id"]), 409)
    assert body["code"] == "not_segmented" and body["missing_shots"] == [] and body["unplanned_scene_ids"] == []
    assert_error(alice.get(f"/api/scripts/{draft['id']}/video"), 404)
    assert alice.get(f"/api/scripts/{draft['id']}/video").json()["code"] == "no_video"


def test_a_vertical_video_with_narration(alice: User, tmp_path: Path) -> None:
    script = create_script(alice, KITCHEN, "Vertical", aspect="9:16")
    scene = approve_script(alice, script["id"])[0]
    shots = approve_scene(alice, scene["id"])
    images = first_images(alice, scene["id"], shots)
    assert {(i["width"], i["height"]) for i in images} == {(1080, 1920)}
    for image in images:
        assert alice.post(f"/api/images/{image['id']}/approve").status_code == 200

    response = create_video(
        alice, script["id"], {"resolution": "720p", "fps": FPS, "narration": True, "subtitles": True}
    )
    assert response.status_code == 202, response.text
    progress: list[dict] = []
    video = wait_rendered(alice, response.json()["id"], progress, interval=0.1)
    # the render's progress, as the video service reported it, only ever moved forward
    assert [RENDER_STEPS.index(p["step"]) for p in progress] == sorted(RENDER_STEPS.index(p["step"]) for p in progress)
    assert [p["fraction"] for p in progress] == sorted(p["fraction"] for p in progress)
    if len(progress) >= 10:  # a render of a second or more is seen past the queue
        assert progress[-1]["step"] != "queued" and progress[-1]["fraction"] > 0, progress
    assert video["options"]["aspect"] == "9:16"  # the script's aspect by default
    assert (video["width"], video["height"]) == (720, 1280)
    assert video["has_audio"] is True, "narration on, but the video service rendered no audio track"
    path = tmp_path / "vertical.mp4"
    download(alice, video, path)
    seen = probe(path)
    assert (seen.width, seen.height) == (720, 1280) and seen.audio_codec == "aac"
    assert abs(seen.duration_s - video["duration_s"]) <= 1 / FPS
    frames, starts = timeline(shots)
    assert seen.frames >= starts[-1] + frames[-1] - 1  # narration may lengthen shots, never shorten them
    sources = [picture(alice, image) for image in images]
    # The first shot opens the video (early, before its slow zoom makes the kitchen's similar
    # storyboard frames hard to tell apart).
    assert closest(frame_at(path, 0.5, (36, 64)), sources) == 0
    assert review_marks(frame_at(path, 0.5, (720, 1280))) == []

    # Subtitles: every narrated sentence, in order, in cues of at most two lines that fit the
    # title-safe width of a vertical frame (16 characters), split into more cues where needed.
    cues = subtitles(path)
    assert cues and all(1 <= len(lines) <= 2 for _, _, lines in cues), cues
    assert all(len(line) <= VERTICAL_LINE_CHARS for _, _, lines in cues for line in lines), cues
    assert [start for start, _, _ in cues] == sorted(start for start, _, _ in cues)
    spoken = " ".join(" ".join(shot["narration"].split()) for shot in shots if shot["narration"].strip())
    assert " ".join(line for _, _, lines in cues for line in lines) == spoken


def test_re_render_after_replacing_one_image_reuses_the_rest(story: Story, tmp_path: Path) -> None:
    user, first_video = story.user, story.video
    index = 2  # the third shot: a transition on each side
    shot = story.shots[index]
    old = story.images[shot["id"]]
    scene_id = shot["scene_id"]

    rejected = user.post(f"/api/images/{old['id']}/reject", json={"feedback": "at night under a stormy sky"})
    assert rejected.status_code == 200, rejected.text
    new = wait_attempt(user, scene_id, shot["id"], old["attempt"] + 1)
    assert new["status"] == "pending"
    approved = user.post(f"/api/images/{new['id']}/approve")
    assert approved.status_code == 200 and approved.json()["selected"] is True, approved.text

    video = accepted_video(user, story.script["id"])
    assert video["id"] != first_video["id"]
    assert video["reused_segments"] > 0, video
    expected_ids = [story.images[s["id"]]["id"] for s in story.shots]
    expected_ids[index] = new["id"]
    assert video["image_ids"] == expected_ids
    assert abs(video["duration_s"] - first_video["duration_s"]) <= 1 / FPS
    assert user.get(f"/api/scripts/{story.script['id']}/video").json() == video  # now the latest

    path = tmp_path / "again.mp4"
    download(user, video, path)
    frames, starts = timeline(story.shots)
    middle = (starts[index] + frames[index] / 2) / FPS
    frame = frame_at(path, middle)
    new_picture, old_picture = picture(user, new), picture(user, old)
    assert distance(frame, new_picture) < distance(frame, old_picture)
    sources = [picture(user, story.images[s["id"]]) for s in story.shots]
    sources[index] = new_picture
    for n, (first, count) in enumerate(zip(starts, frames, strict=False)):
        assert closest(frame_at(path, (first + count / 2) / FPS), [*sources, old_picture]) == n

    still = user.get(first_video["content_url"], headers={"Range": "bytes=-16"})  # the first video is kept
    assert still.status_code == 206 and still.headers["content-range"].endswith(f"/{first_video['size_bytes']}")
    assert user.get(f"/api/videos/{first_video['id']}").json() == first_video
