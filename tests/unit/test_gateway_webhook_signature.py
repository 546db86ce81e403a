"""Webhook signatures as the Standard Webhooks libraries check them, and the per-owner bound."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from reelflow_gateway.webhooks.owner_slots import OwnerSlots
from reelflow_gateway.webhooks.signature import message_id, new_secret, signature, signed_headers

BODY = b'{"event":"operation.completed","operation":{"id":"op-1"}}'


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_signed_headers_verify_with_the_standard_webhooks_library():
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()), BODY)
    assert Webhook(secret).verify(BODY, headers) == {"event": "operation.completed", "operation": {"id": "op-1"}}
    assert signature(secret, "msg_1", 1_700_000_000, BODY) == Webhook(secret).sign(
        "msg_1", datetime.fromtimestamp(1_700_000_000, UTC), BODY
    )


def test_a_body_changed_or_a_wrong_secret_or_an_old_timestamp_fails_verification():
    secret = new_secret()
    headers = signed_headers([secret], "msg_1", int(time.time()), BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"op-1", b"op-2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)
    replayed = signed_headers([secret], "msg_1", int(time.time()) - 600, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, replayed)


def test_with_two_valid_secrets_either_verifies():
    current, retiring = new_secret(), new_secret()
    headers = signed_headers([current, retiring], "msg_1", int(time.time()), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(current).verify(BODY, headers)
    Webhook(retiring).verify(BODY, headers)


def test_the_message_id_is_the_same_for_every_try_of_one_delivery():
    assert message_id("webhook/op-1/completed/0") == message_id("webhook/op-1/completed/0")
    assert message_id("webhook/op-1/completed/0") != message_id("webhook/op-1/failed/1")
    assert message_id("webhook/op-1/completed/0").startswith("msg_")


def test_owner_slots_bound_each_owner_separately():
    slots = OwnerSlots(per_owner=2)
    assert slots.try_take("a") and slots.try_take("a")
    assert not slots.try_take("a")
    assert slots.try_take("b")
    slots.give_back("a")
    assert slots.in_flight("a") == 1 and slots.try_take("a")
