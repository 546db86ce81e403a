"""Abuse limits, from the outside: a gateway of its own, on the e2e stack, with low limits.

Every rate here is N per 4 s (fixed windows aligned on the clock): a test starts at the
beginning of a window, spends the rate, sees 429 with `Retry-After` and the JSON body, and after
waiting `Retry-After` seconds is let in again. Users are registered through the shared e2e
gateway (high limits; same database and signing key) and call this one with their tokens;
client addresses are X-Forwarded-For values, which the gateway takes from its trusted proxy
(loopback, where the tests connect from).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import Reelflow
from tests.e2e.helpers import PASSWORD, User, assert_error, new_email, wait_for
from tests.support.processes import ServiceProcess, free_port

WINDOW_S = 4
LOW_LIMITS = {
    "REELFLOW_RATE_LIMIT_LOGIN_PER_ADDRESS": f"3/{WINDOW_S}s",
    "REELFLOW_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT": f"2/{WINDOW_S}s",
    "REELFLOW_RATE_LIMIT_REGISTER_PER_ADDRESS": f"3/{WINDOW_S}s",
    "REELFLOW_RATE_LIMIT_REGISTER_PER_ACCOUNT": f"2/{WINDOW_S}s",
    "REELFLOW_RATE_LIMIT_WRITES_PER_USER": f"4/{WINDOW_S}s",
    "REELFLOW_MAX_RUNNING_OPERATIONS_PER_USER": "1",
    "REELFLOW_MAX_HELD_REQUESTS_PER_USER": "2",
    "REELFLOW_MAX_SCENES_PER_SCRIPT": "250",
    "REELFLOW_TRUSTED_PROXIES": "127.0.0.1",
}
HARBOR = "EXT. HARBOR - DAWN\n\nNora waits on the pier.\n"


@pytest.fixture(scope="module")
def limited(reelflow: Reelflow) -> Iterator[httpx.Client]:
    port = free_port()
    env = {**reelflow.gateway_env(), "REELFLOW_HTTP_PORT": str(port), **LOW_LIMITS}
    gateway = ServiceProcess(
        ["-m", "reelflow_gateway"], env, reelflow.log_dir / "gateway-limited.log", f"http://127.0.0.1:{port}/healthz"
    ).start()
    try:
        gateway.wait_healthy(60)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        gateway.stop()


def at_window_start() -> None:
    """Waits for the start of the next window, unless this one has just begun."""
    into = time.time() % WINDOW_S
    if into > 0.3:
        time.sleep(WINDOW_S - into + 0.05)


def address() -> str:
    """A client address of the test's own."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def forwarded(addr: str) -> dict[str, str]:
    return {"X-Forwarded-For": addr}


def assert_rate_limited(response: httpx.Response, *phrases: str) -> int:
    """A 429 with the JSON error body and Retry-After; the seconds to wait."""
    body = assert_error(response, 429)
    assert body["code"] == "rate_limited", body
    for phrase in phrases:
        assert phrase in body["detail"], body
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60, response.headers
    assert f"retry in {retry_after} s" in body["detail"], body
    return retry_after


def login(client: httpx.Client, email: str, password: str, addr: str) -> httpx.Response:
    return client.post("/api/auth/token", data={"username": email, "password": password}, headers=forwarded(addr))


def test_the_limits_are_public(limited: httpx.Client) -> None:
    response = limited.get("/api/limits")
    assert response.status_code == 200, response.text
    limits = response.json()
    assert limits["writes_per_user"] == {"count": 4, "per_s": WINDOW_S}
    assert limits["login_per_address"] == {"count": 3, "per_s": WINDOW_S}
    assert limits["login_failures_per_account"] == {"count": 2, "per_s": WINDOW_S}
    assert limits["register_per_address"] == {"count": 3, "per_s": WINDOW_S}
    assert limits["register_per_account"] == {"count": 2, "per_s": WINDOW_S}
    assert (limits["running_operations_per_user"], limits["held_requests_per_user"]) == (1, 2)
    assert (limits["scenes_per_script"], limits["shots_per_scene"]) == (250, 100)
    assert (limits["shot_max_s"], limits["shot_min_s"]) == (8.0, 3.0)
    assert limits["script_bytes"] == 200_000 and limits["body_bytes"] == 1_048_576
    schema = limited.get("/openapi.json").json()
    assert "Retry-After" in schema["paths"]["/api/scripts"]["post"]["responses"]["429"]["headers"]
    assert "429" in schema["paths"]["/api/auth/token"]["post"]["responses"]
    assert "429" in schema["paths"]["/api/operations/{operation_id}/events"]["get"]["responses"]


def test_writes_are_limited_per_user(limited: httpx.Client, alice: User, bob: User) -> None:
    at_window_start()
    for _ in range(4):  # counted even when the route then answers 404
        assert limited.post("/api/scripts/no-such-script/approve", headers=alice.headers).status_code == 404
    refused = limited.post("/api/scripts", headers=alice.headers, json={"title": "t", "content": HARBOR})
    wait = assert_rate_limited(refused, "writes by this user", f"at most 4 per {WINDOW_S} s")
    assert limited.post("/api/scripts/no-such-script/approve", headers=bob.headers).status_code == 404  # B is not A
    assert limited.get("/api/scripts", headers=alice.headers).status_code == 200  # reads are not writes

    time.sleep(wait)
    accepted = limited.post("/api/scripts", headers=alice.headers, json={"title": "t", "content": HARBOR})
    assert accepted.status_code in (201, 202), accepted.text


def test_logins_are_limited_per_client_address(limited: httpx.Client, alice: User) -> None:
    here, elsewhere = address(), address()
    at_window_start()
    for _ in range(3):  # right or wrong, every attempt counts
        assert login(limited, alice.email, PASSWORD, here).status_code == 200
    wait = assert_rate_limited(login(limited, alice.email, PASSWORD, here), "login attempts from this address")
    assert login(limited, alice.email, PASSWORD, elsewhere).status_code == 200

    time.sleep(wait)
    assert login(limited, alice.email, PASSWORD, here).status_code == 200


def test_failed_logins_are_limited_per_account(limited: httpx.Client, alice: User, bob: User) -> None:
    at_window_start()
    for _ in range(2):
        assert_error(login(limited, alice.email, "wrong password", address()), 401)
    # From a new address, even the right password waits: the account's failures are spent.
    wait = assert_rate_limited(
        login(limited, alice.email.upper(), PASSWORD, address()),
        "failed logins to this account",
        f"at most 2 per {WINDOW_S} s",
    )
    assert login(limited, bob.email, PASSWORD, address()).status_code == 200  # another account

    time.sleep(wait)
    assert login(limited, alice.email, PASSWORD, address()).status_code == 200


def test_registrations_are_limited_per_client_address_and_per_email(limited: httpx.Client) -> None:
    here, first, second = address(), new_email(), new_email()

    def register(email: str, addr: str) -> httpx.Response:
        return limited.post("/api/auth/register", json={"email": email, "password": PASSWORD}, headers=forwarded(addr))

    at_window_start()
    assert register(first, here).status_code == 201
    assert_error(register(first, here), 409)
    assert_rate_limited(register(first, here), "registrations of this email")
    wait = assert_rate_limited(register(second, here), "registrations from this address")
    assert register(second, address()).status_code == 201

    time.sleep(wait)
    assert register(new_email(), here).status_code == 201


def start_operation(client: httpx.Client, user: User) -> httpx.Response:
    return client.post(
        "/api/operations", headers=user.headers, json={"content": HARBOR, "title": "limits", "auto_approve": False}
    )


def test_running_operations_are_capped_per_user(limited: httpx.Client, alice: User, bob: User) -> None:
    at_window_start()
    first = start_operation(limited, alice)
    assert first.status_code == 202, first.text
    wait = assert_rate_limited(start_operation(limited, alice), "running operations", "1 of at most 1")
    assert wait >= 1
    assert limited.post(f"/api/operations/{first.json()['id']}/cancel", headers=alice.headers).status_code == 200
    again = start_operation(limited, alice)  # the cancelled one no longer counts
    assert again.status_code == 202, again.text
    bob_started = start_operation(limited, bob)
    assert bob_started.status_code == 202, bob_started.text


def test_open_event_streams_and_held_gets_are_capped_per_user(
    limited: httpx.Client, reelflow: Reelflow, alice: User
) -> None:
    started = start_operation(limited, alice)
    assert started.status_code == 202, started.text
    operation_id = started.json()["id"]
    script_id = limited.get(f"/api/operations/{operation_id}", headers=alice.headers).json()["script_id"]
    scenes = f"/api/scripts/{script_id}/scenes"
    wait_for(lambda: limited.get(scenes, headers=alice.headers).status_code == 200, what="the script")
    tag = limited.get(scenes, headers=alice.headers).headers["etag"]
    held = {**alice.headers, "If-None-Match": tag, "Prefer": "wait=6"}
    events = f"/api/operations/{operation_id}/events"

    with (
        httpx.Client(base_url=str(limited.base_url), timeout=30) as a,
        httpx.Client(base_url=str(limited.base_url), timeout=30) as b,
    ):
        with a.stream("GET", events, headers=alice.headers) as first:
            assert first.status_code == 200
            with b.stream("GET", events, headers=alice.headers) as second:
                assert second.status_code == 200
                assert_rate_limited(
                    limited.get(scenes, headers=held), "open event streams and held GETs", "2 of at most 2"
                )
                assert_rate_limited(limited.get(events, headers=alice.headers), "2 of at most 2")
                assert limited.get(scenes, headers=alice.headers).status_code == 200  # not held: not counted
        # The second stream closed: its slot comes back once the gateway sees the disconnect.
        wait_for(lambda: stream_opens(limited, events, alice), what="a stream slot given back")

    answers: list[int] = []
    holders = [
        threading.Thread(
            target=lambda: answers.append(
                httpx.get(f"{limited.base_url}{scenes}", headers=held, timeout=30).status_code
            )
        )
        for _ in range(2)
    ]
    for holder in holders:
        holder.start()
    time.sleep(1.0)  # both held GETs have arrived and are waiting (for 6 s)
    assert_rate_limited(limited.get(events, headers=alice.headers), "2 of at most 2")
    for holder in holders:
        holder.join()
    assert answers == [304, 304]


def stream_opens(client: httpx.Client, path: str, user: User) -> bool:
    with client.stream("GET", path, headers=user.headers) as response:
        return response.status_code == 200
