"""schemathesis hooks of the API fuzz run (tests/e2e/test_fuzz_api.py), loaded by its CLI.

Each one adjusts what the fuzzer sends where the API's answer depends on something no schema can
state (earlier requests, DNS), or where the request would start work the shared test machine
cannot afford. Each says what it changes, why, and which tests cover what it leaves out.
"""

from __future__ import annotations

import re
import uuid

import jsonschema_rs
import schemathesis

from reelflow_gateway.api.operations import WEBHOOK_URL_PATTERN

MAX_KEY_CHARS = 255
VALID_KEY = re.compile(rf"^[\x21-\x7e]{{1,{MAX_KEY_CHARS}}}$")
"""An Idempotency-Key the gateway accepts (api/idempotency.py)."""

WELL_FORMED_WEBHOOK_URL = jsonschema_rs.validator_for(
    {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": WEBHOOK_URL_PATTERN}
)
"""`webhook_url` as the schema states it (api/operations.py), checked as schemathesis checks it."""
REACHABLE_WEBHOOK_URL = "http://127.0.0.1:9/reelflow-fuzz"
"""Allowed by the e2e gateway's outbound policy (REELFLOW_WEBHOOK_ALLOWED_NETWORKS); nothing listens."""


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    unique_idempotency_key(case)
    if case.method.upper() == "POST" and case.path == "/api/operations" and isinstance(case.body, dict):
        webhook_that_resolves(case.body)
        paused_at_first_gate(case.body)


def unique_idempotency_key(case) -> None:
    """Makes every valid Idempotency-Key unique to its request.

    A key that an earlier request used with another body is answered 422 `idempotency_key_reused`,
    by design (the IETF Idempotency-Key draft; tests/e2e/test_idempotency.py covers it). The fuzzer
    reuses generated keys freely and would report that 422 as a valid request refused. Invalid keys
    (empty, too long, other characters) are sent as generated, to be refused.
    """
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.match(key):
        suffix = f".{uuid.uuid4().hex}"
        case.headers["Idempotency-Key"] = key[: MAX_KEY_CHARS - len(suffix)] + suffix


def webhook_that_resolves(body: dict) -> None:
    """A well-formed `webhook_url` points at a loopback address the e2e policy allows.

    Whether a webhook URL is accepted depends on what its host resolves to (422 when it does not
    resolve or resolves to a refused address): generated hosts do not resolve on a machine without
    DNS. The policy itself is covered by tests/unit/test_gateway_webhook_policy.py and
    tests/integration/test_gateway_webhooks.py. Malformed URLs are sent as generated, to be refused.
    """
    if WELL_FORMED_WEBHOOK_URL.is_valid(body.get("webhook_url")):
        body["webhook_url"] = REACHABLE_WEBHOOK_URL


def paused_at_first_gate(body: dict) -> None:
    """An operation the fuzzer starts waits at its first human gate instead of auto-approving.

    An auto-approved operation runs the whole chain up to an FFmpeg render; dozens of them would
    saturate the machine the rest of the tests share. tests/e2e/test_operations.py runs
    auto-approved operations end to end. A non-boolean `auto_approve` is sent as generated.
    """
    if body.get("auto_approve", True) is True:
        body["auto_approve"] = False
