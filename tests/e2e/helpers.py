"""Helpers for the end-to-end tests (HTTP clients, users, error checks)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx

PASSWORD = "correct horse battery"
COMMAND_TIMEOUT_S = 3.0
"""How long the e2e gateway waits for a command's outcome before answering 202."""
CORS_ORIGIN = "http://ui.example"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


def register(client: httpx.Client, email: str | None = None, password: str = PASSWORD) -> tuple[str, str]:
    """Register a user and log in: (email, access token)."""
    email = email or new_email()
    response = client.post("/api/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    response = client.post("/api/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return email, response.json()["access_token"]


@dataclass
class User:
    email: str
    token: str
    client: httpx.Client

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
        return self.client.get(path, headers={**self.headers, **(headers or {})}, **kwargs)

    def post(self, path: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
        return self.client.post(path, headers={**self.headers, **(headers or {})}, **kwargs)

    def put(self, path: str, headers: dict[str, str] | None = None, **kwargs) -> httpx.Response:
        return self.client.put(path, headers={**self.headers, **(headers or {})}, **kwargs)

    def create(self, content: str, title: str = "") -> dict:
        response = self.post("/api/scripts", json={"title": title, "content": content})
        assert response.status_code == 201, response.text
        return response.json()


def assert_error(response: httpx.Response, status: int | None = None) -> dict:
    """A JSON error body with a `detail` text (and the expected status, or any 4xx)."""
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:2000])
    else:
        assert response.status_code == status, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    return body


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def squeezed(text: str) -> str:
    """The text without any whitespace (segmentation keeps the text, whitespace aside)."""
    return "".join(text.split())


def wait_segmented(user: User, script_id: str, timeout: float = 60.0) -> dict:
    """The script once its segmentation is over (done or failed)."""

    def over() -> dict | None:
        script = user.get(f"/api/scripts/{script_id}").json()
        return script if script["segmentation"]["state"] in ("done", "failed") else None

    return wait_for(over, timeout=timeout, interval=0.05, what=f"segmentation of script {script_id}")


def scenes_of(user: User, script_id: str, **params) -> list[dict]:
    response = user.get(f"/api/scripts/{script_id}/scenes", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def approved_with_scenes(user: User, content: str, title: str = "") -> tuple[dict, list[dict]]:
    """A script created, approved and segmented: (the script, its scenes in order)."""
    script = user.create(content, title)
    response = user.post(f"/api/scripts/{script['id']}/approve")
    assert response.status_code == 200, response.text
    script = wait_segmented(user, script["id"])
    assert script["segmentation"]["state"] == "done", script["segmentation"]
    return script, scenes_of(user, script["id"], limit=1000)


def wait_shots(user: User, scene_id: str, timeout: float = 60.0) -> list[dict]:
    """Every shot of an approved scene, once all are planned."""

    def planned() -> list[dict] | None:
        shots = user.get(f"/api/scenes/{scene_id}/shots").json()["items"]
        return shots if shots and len(shots) == shots[0]["shot_count"] else None

    return wait_for(planned, timeout=timeout, interval=0.05, what=f"shots of scene {scene_id}")


# -- images and videos ---------------------------------------------------------------------------

KITCHEN = (
    "INT. KITCHEN - NIGHT\n\nMaya pours coffee into a chipped mug. Rain streaks the window.\n\n"
    "She reads the letter and drops it on the table.\n"
)
"""A scene the local shot planner cuts into 3 short shots."""
HARBOR = (
    "EXT. HARBOR - DAWN\n\nNora walks along the pier. Gulls circle over the boats.\n\n"
    "A ferry horn sounds across the water.\n"
)
"""A scene the local shot planner cuts into 2 short shots."""


def create_script(user: User, content: str, title: str = "", aspect: str = "16:9") -> dict:
    response = user.post("/api/scripts", json={"title": title, "content": content, "aspect": aspect})
    assert response.status_code == 201, response.text
    return response.json()


def approve_script(user: User, script_id: str) -> list[dict]:
    """The script approved and segmented: its scenes in order."""
    response = user.post(f"/api/scripts/{script_id}/approve")
    assert response.status_code == 200, response.text
    script = wait_segmented(user, script_id)
    assert script["segmentation"]["state"] == "done", script["segmentation"]
    return scenes_of(user, script_id, limit=1000)


def approve_scene(user: User, scene_id: str) -> list[dict]:
    """The scene approved: its shots once all are planned."""
    response = user.post(f"/api/scenes/{scene_id}/approve")
    assert response.status_code == 200, response.text
    return wait_shots(user, scene_id)


def images_of(user: User, scene_id: str, **params) -> list[dict]:
    response = user.get(f"/api/scenes/{scene_id}/images", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def wait_images(user: User, scene_id: str, until, timeout: float = 120.0, what: str = "images") -> list[dict]:
    """The scene's images once `until(images)` holds."""

    def ready() -> list[dict] | None:
        images = images_of(user, scene_id)
        return images if until(images) else None

    return wait_for(ready, timeout=timeout, interval=0.1, what=f"{what} of scene {scene_id}")


def first_images(user: User, scene_id: str, shots: list[dict], timeout: float = 120.0) -> list[dict]:
    """Attempt 1 of every shot of the scene, once each is drawn, in shot order."""
    wanted = {shot["id"] for shot in shots}
    images = wait_images(
        user,
        scene_id,
        lambda images: wanted <= {i["shot_id"] for i in images if i["attempt"] == 1},
        timeout,
        "the first image of every shot",
    )
    return [i for i in images if i["attempt"] == 1]


def attempt_of(images: list[dict], shot_id: str, attempt: int) -> dict | None:
    return next((i for i in images if i["shot_id"] == shot_id and i["attempt"] == attempt), None)


def wait_attempt(user: User, scene_id: str, shot_id: str, attempt: int, timeout: float = 120.0) -> dict:
    """Attempt `attempt` of a shot once it is drawn (or has failed)."""

    def drawn(images: list[dict]) -> bool:  # an image is listed once drawn (ImageGenerated) or failed
        return attempt_of(images, shot_id, attempt) is not None

    return attempt_of(
        wait_images(user, scene_id, drawn, timeout, f"attempt {attempt} of shot {shot_id}"), shot_id, attempt
    )
