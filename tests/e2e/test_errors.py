"""Garbage in gives a 4xx JSON error naming the problem, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.helpers import User, assert_error

JSON = {"Content-Type": "application/json"}
GARBAGE = [
    (b"{", JSON),
    (b'{"content": ', JSON),
    (b"not json at all", JSON),
    (b"\xff\xfe\x00garbage", JSON),
    (b"[1, 2, 3]", JSON),
    (b'"just a string"', JSON),
    (b"42", JSON),
    (b"null", JSON),
    (b'{"content": {"nested": true}}', JSON),
    (b'{"content": ["a"], "title": 7}', JSON),
    (b'{"content": "ok", "aspect": 16}', JSON),
    (b'{"content": "ok"}', {"Content-Type": "text/plain"}),
    (b"content=ok", {"Content-Type": "application/x-www-form-urlencoded"}),
    (b"", JSON),
    (b'{"content": "\\ud800"}', JSON),
]


@pytest.mark.parametrize(("body", "headers"), GARBAGE, ids=[repr(b[:20]) for b, _ in GARBAGE])
@pytest.mark.parametrize("target", ["create", "edit", "register"])
def test_garbage_bodies_are_4xx_json(alice: User, body: bytes, headers: dict, target: str) -> None:
    if target == "create":
        response = alice.client.post("/api/scripts", content=body, headers={**alice.headers, **headers})
    elif target == "edit":
        script = alice.create("INT. LAB - DAY\n\nA test.\n")
        response = alice.client.put(f"/api/scripts/{script['id']}", content=body, headers={**alice.headers, **headers})
    else:
        response = alice.client.post("/api/auth/register", content=body, headers=headers)
    assert_error(response)
    assert response.status_code in (400, 422), response.text


def test_malformed_json_says_so(alice: User) -> None:
    body = assert_error(
        alice.client.post("/api/scripts", content=b'{"content": ', headers={**alice.headers, **JSON}), 400
    )
    assert body["code"] == "malformed_json" and "JSON" in body["detail"]


def test_oversized_bodies_are_413(alice: User, reelflow) -> None:
    huge = b'{"content": "' + b"a" * 2_000_000 + b'"}'
    response = alice.client.post("/api/scripts", content=huge, headers={**alice.headers, **JSON})
    assert assert_error(response, 413)["code"] == "body_too_large"

    def chunks():
        for _ in range(40):
            yield b"a" * 65536

    response = alice.client.post("/api/scripts", content=chunks(), headers={**alice.headers, **JSON})
    assert assert_error(response, 413)["code"] == "body_too_large"
    # The gateway is fine afterwards.
    assert alice.get("/api/scripts").status_code == 200


def test_unknown_paths_and_methods_are_json(http: httpx.Client, alice: User) -> None:
    assert assert_error(http.get("/api/nothing-here"), 404)["detail"].endswith("/api/nothing-here")
    assert_error(alice.client.delete("/api/scripts", headers=alice.headers), 405)
    assert_error(alice.client.patch("/api/scripts/x", headers=alice.headers), 405)
