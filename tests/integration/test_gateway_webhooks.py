"""Operation webhooks through a gateway running in the test process on the real stack: the URL
checked at registration, the delivery job that checks it again, signs it per Standard Webhooks
with the owner's secret (verified with the standardwebhooks library), rotation, and what a failed
delivery shows its owner. Only 127.0.0.2 is an allowed private network here, so every other
loopback address (127.0.0.1, localhost, ...) stays refused."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import standardwebhooks.webhooks
from pymongo import AsyncMongoClient
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from reelflow_gateway.app import create_app
from reelflow_gateway.collections import OPERATIONS
from reelflow_gateway.operations.webhook_job import DELIVER_WEBHOOK
from reelflow_gateway.settings import Settings
from reelflow_kit.jobs import enqueue_job
from tests.support.limits import high_limit_settings
from tests.support.processes import free_port
from tests.support.webhook_receivers import answer_204, answer_status, byte_per_second, receiver

ALLOWED_HOST = "127.0.0.2"
DEADLINE_S = 1.0
MAX_ATTEMPTS = 4


@pytest.fixture(scope="module")
async def gateway(infra):
    suffix = uuid.uuid4().hex[:8]
    settings = Settings(
        **infra.settings_kwargs(),
        mongo_database=f"itwh_{suffix}_gateway",
        kafka_namespace=f"itwh{suffix}",
        http_port=free_port(),
        webhook_allowed_networks=f"{ALLOWED_HOST}/32",
        webhook_deadline_s=DEADLINE_S,
        webhook_max_attempts=MAX_ATTEMPTS,
        webhook_owner_concurrency=1,
        **high_limit_settings(),
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app
    async with AsyncMongoClient(infra.mongo_uri) as client:
        await client.drop_database(settings.mongo_database)


@pytest.fixture
async def api(gateway):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as client:
        email = f"hooks-{uuid.uuid4().hex[:10]}@example.com"
        assert (
            await client.post("/api/auth/register", json={"email": email, "password": "correct horse"})
        ).status_code == 201
        token = (await client.post("/api/auth/token", data={"username": email, "password": "correct horse"})).json()[
            "access_token"
        ]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def start_body(webhook_url: str) -> dict:
    return {"content": "INT. KITCHEN - NIGHT\nA kettle sings.", "webhook_url": webhook_url}


async def start(api: httpx.AsyncClient, webhook_url: str) -> dict:
    response = await api.post("/api/operations", json=start_body(webhook_url))
    assert response.status_code == 202, response.text
    return response.json()


async def deliver(gateway, api: httpx.AsyncClient, operation_id: str, url: str, ending: int = 0) -> None:
    """What the process manager does when an operation ends: queue the delivery of its webhook
    to `url` (which may differ from what was registered: the delivery must check it itself)."""
    runtime = gateway.state.runtime
    doc = await runtime.db[OPERATIONS].find_one({"_id": operation_id})
    async with runtime.transaction(correlation_id=operation_id) as tx:
        await enqueue_job(
            tx,
            DELIVER_WEBHOOK,
            f"webhook/{operation_id}/completed/{ending}",
            {
                "operation_id": operation_id,
                "owner_id": doc["owner_id"],
                "url": url,
                "summary": {"id": operation_id, "status": "completed"},
            },
        )


async def webhook_outcome(api: httpx.AsyncClient, operation_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        webhook = (await api.get(f"/api/operations/{operation_id}")).json()["webhook"]
        if webhook:
            return webhook
        await asyncio.sleep(0.1)
    raise AssertionError("no webhook outcome")


@contextlib.contextmanager
def clock_moved_on(by: timedelta):
    """The standardwebhooks library's clock, `by` later: a receiver seeing the same request again then."""
    real = standardwebhooks.webhooks.datetime

    class Later(real):
        @classmethod
        def now(cls, tz=None):
            return real.now(tz) + by

    standardwebhooks.webhooks.datetime = Later
    try:
        yield
    finally:
        standardwebhooks.webhooks.datetime = real


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:27017/",  # loopback, another service's port
        "http://[::ffff:127.0.0.1]:9092/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://192.168.1.1/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/",
        "http://127.1/",
        "http://localhost:6379/",
        "http://[::1]/",
        "http://0.0.0.0:8080/",
    ],
)
async def test_registration_refuses_internal_addresses(api, url):
    response = await api.post("/api/operations", json=start_body(url))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "webhook_url_refused" and "webhook_url" in body["detail"]
    assert body["errors"][0]["loc"] == ["body", "webhook_url"]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://user:secret@example.com/", "http:///nohost"])
async def test_registration_refuses_urls_that_cannot_be_webhooks(api, url):
    response = await api.post("/api/operations", json=start_body(url))
    assert response.status_code == 422 and response.json()["code"] == "invalid_webhook_url"


async def test_the_first_webhook_operation_shows_the_secret_once_and_a_delivery_verifies_with_it(gateway, api):
    async with receiver(answer_204, host=ALLOWED_HOST) as hook:
        first = await start(api, hook.url())
        secret = first["webhook_secret"]
        assert secret.startswith("whsec_")
        assert "webhook_secret" not in await start(api, hook.url())
        await deliver(gateway, api, first["id"], hook.url())
        outcome = await webhook_outcome(api, first["id"])
    assert outcome["status"] == "delivered" and outcome["attempts"] == 1
    _, headers, body = hook.received[0]
    assert Webhook(secret).verify(body, headers)["operation"]["id"] == first["id"]
    with clock_moved_on(timedelta(minutes=6)), pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, headers)  # the same request replayed later


async def test_retries_of_one_delivery_keep_its_id_and_are_signed_anew(gateway, api):
    answers = [answer_status(503, headers="Retry-After: 1\r\n"), answer_204]

    async def first_busy_then_ok(writer, box):
        await answers[min(len(box.received), 2) - 1](writer, box)

    async with receiver(first_busy_then_ok, host=ALLOWED_HOST) as hook:
        started = await start(api, hook.url())
        await deliver(gateway, api, started["id"], hook.url())
        outcome = await webhook_outcome(api, started["id"])
    assert outcome["status"] == "delivered" and outcome["attempts"] == 2
    (_, one, body_one), (_, two, body_two) = hook.received
    assert one["webhook-id"] == two["webhook-id"] and body_one == body_two
    assert int(two["webhook-timestamp"]) > int(one["webhook-timestamp"])  # a second later, at least (Retry-After)
    for headers, body in ((one, body_one), (two, body_two)):
        Webhook(started["webhook_secret"]).verify(body, headers)


async def test_after_a_rotation_deliveries_carry_both_signatures_until_the_grace_period_ends(gateway, api):
    async with receiver(answer_204, host=ALLOWED_HOST) as hook:
        started = await start(api, hook.url())
        old = started["webhook_secret"]
        rotated = await api.post("/api/webhooks/secret")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["webhook_secret"]
        assert new.startswith("whsec_") and new != old
        valid_until = datetime.fromisoformat(rotated.json()["previous_valid_until"].replace("Z", "+00:00"))
        assert timedelta(hours=23) < valid_until - datetime.now(UTC) <= timedelta(hours=24)
        await deliver(gateway, api, started["id"], hook.url())
        assert (await webhook_outcome(api, started["id"]))["status"] == "delivered"
    _, headers, body = hook.received[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(body, headers)
    Webhook(old).verify(body, headers)


async def test_a_secret_past_its_grace_period_no_longer_signs(gateway, api):
    async with receiver(answer_204, host=ALLOWED_HOST) as hook:
        started = await start(api, hook.url())
        new = (await api.post("/api/webhooks/secret")).json()["webhook_secret"]
        owner = (await gateway.state.runtime.db[OPERATIONS].find_one({"_id": started["id"]}))["owner_id"]
        await gateway.state.runtime.db["webhook_secrets"].update_one(
            {"_id": owner}, {"$set": {"retiring.0.valid_until": datetime.now(UTC) - timedelta(seconds=1)}}
        )
        await deliver(gateway, api, started["id"], hook.url())
        await webhook_outcome(api, started["id"])
    _, headers, body = hook.received[0]
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(started["webhook_secret"]).verify(body, headers)


async def test_a_name_that_now_points_at_a_refused_address_is_not_called(gateway, api):
    """The job's URL passed when registered; at delivery `localhost` means 127.0.0.1, which is not
    an allowed network: given up at once, nothing sent, and said in general terms."""
    async with receiver(answer_204, host="127.0.0.1") as internal, receiver(answer_204, host=ALLOWED_HOST) as hook:
        started = await start(api, hook.url())
        await deliver(gateway, api, started["id"], internal.url(host="localhost"))
        outcome = await webhook_outcome(api, started["id"])
    assert outcome == {**outcome, "status": "failed", "error": "refused by policy", "attempts": 1}
    assert internal.received == [] and hook.received == []


async def test_a_receiver_that_dribbles_is_cut_off_and_the_owner_sees_timeout(gateway, api):
    async with receiver(byte_per_second(head_first=True), host=ALLOWED_HOST) as hook:
        started = await start(api, hook.url())
        began = time.monotonic()
        await deliver(gateway, api, started["id"], hook.url())
        outcome = await webhook_outcome(api, started["id"], timeout=60)
    assert outcome["status"] == "failed" and outcome["error"] == "timeout" and outcome["attempts"] == MAX_ATTEMPTS
    assert len(hook.received) == MAX_ATTEMPTS
    assert time.monotonic() - began < MAX_ATTEMPTS * (DEADLINE_S + 5)


async def test_a_failed_delivery_shows_the_status_not_what_the_receiver_said(gateway, api):
    banner = b"redis_version:7.2.4 role:master connected_clients:3"
    async with receiver(answer_status(404, banner), host=ALLOWED_HOST) as hook:
        started = await start(api, hook.url())
        await deliver(gateway, api, started["id"], hook.url())
        outcome = await webhook_outcome(api, started["id"], timeout=60)
        shown = (await api.get(f"/api/operations/{started['id']}")).text
    assert outcome["status"] == "failed" and outcome["error"] == "HTTP 404"
    assert "redis" not in shown


async def test_one_owner_has_a_bounded_number_of_deliveries_in_flight(gateway, api):
    in_flight, most = [0], [0]

    async def slow_204(writer, box):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        try:
            await asyncio.sleep(0.3)
            await answer_204(writer, box)
        finally:
            in_flight[0] -= 1

    async with receiver(slow_204, host=ALLOWED_HOST) as hook:
        started = [await start(api, hook.url()) for _ in range(3)]
        for op in started:
            await deliver(gateway, api, op["id"], hook.url())
        outcomes = [await webhook_outcome(api, op["id"], timeout=60) for op in started]
    assert [o["status"] for o in outcomes] == ["delivered"] * 3
    assert most[0] == 1  # webhook_owner_concurrency=1, though the pool has 16 slots
    assert [o["attempts"] for o in outcomes] == [1, 1, 1]  # waiting for the owner's turn costs no attempt
