"""The HTTP side of webhook delivery against loopback receivers that misbehave: the outbound
policy applied to the addresses actually connected to, the deadline, the response cap, errors
in general terms. No broker or database needed: post_webhook is driven directly."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest

from reelflow_gateway.webhooks.delivery import DeliveryFailed, DeliveryLimits, post_webhook
from reelflow_gateway.webhooks.policy import OutboundPolicy
from reelflow_gateway.webhooks.url_check import WebhookUrlRejected, check_webhook_url
from tests.support.processes import free_port
from tests.support.webhook_receivers import (
    answer_204,
    answer_status,
    byte_per_second,
    endless_chunks,
    huge_body,
    receiver,
)

LOOPBACK_ALLOWED = OutboundPolicy(allowed_networks=(ip_network("127.0.0.0/8"),))
PUBLIC_ONLY = OutboundPolicy()
LIMITS = DeliveryLimits(deadline_s=2.0, response_bytes=4096)
BODY = b'{"event":"operation.completed"}'


def resolving(*answers: list[str]):
    """A resolver stub answering each lookup with the next list of addresses (the last one repeats)."""
    calls: list[str] = []

    async def resolve(host: str, port: int):
        calls.append(host)
        return [ip_address(a) for a in answers[min(len(calls), len(answers)) - 1]]

    resolve.calls = calls
    return resolve


async def failure_of(url: str, policy: OutboundPolicy = LOOPBACK_ALLOWED, **kwargs) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as failed:
        await post_webhook(url, BODY, {"content-type": "application/json"}, policy, LIMITS, **kwargs)
    return failed.value


async def test_a_delivery_reaches_a_receiver_in_an_allowed_network():
    async with receiver(answer_204) as hook:
        assert (
            await post_webhook(
                hook.url("/hook?x=1"), BODY, {"content-type": "application/json"}, LOOPBACK_ALLOWED, LIMITS
            )
            == 204
        )
    ((line, headers, body),) = hook.received
    assert line == "POST /hook?x=1 HTTP/1.1" and body == BODY and headers["host"] == f"127.0.0.1:{hook.port}"


async def test_a_name_that_resolves_to_a_refused_address_at_delivery_is_not_called():
    """DNS rebinding: public when the URL was registered, loopback when the delivery looks it up."""
    resolve = resolving(["93.184.216.34"], ["127.0.0.1"])
    async with receiver(answer_204) as hook:
        url = hook.url(host="rebind.example")
        await check_webhook_url(url, PUBLIC_ONLY, resolve)  # accepted at registration
        failed = await failure_of(url, PUBLIC_ONLY, resolve=resolve)
    assert failed.reason == "refused by policy" and failed.permanent
    assert hook.received == [] and resolve.calls == ["rebind.example", "rebind.example"]


async def test_the_request_goes_to_the_address_checked_not_to_a_second_lookup():
    """`hooks.example` resolves nowhere for real: only the checked address can be connected to."""
    resolve = resolving(["127.0.0.1"])
    async with receiver(answer_204) as hook:
        assert (
            await post_webhook(hook.url(host="hooks.example"), BODY, {}, LOOPBACK_ALLOWED, LIMITS, resolve=resolve)
            == 204
        )
    assert hook.received[0][1]["host"] == f"hooks.example:{hook.port}" and resolve.calls == ["hooks.example"]


async def test_every_address_of_a_name_must_pass():
    resolve = resolving(["93.184.216.34", "10.0.0.1"])
    failed = await failure_of("http://mixed.example/hook", PUBLIC_ONLY, resolve=resolve)
    assert failed.reason == "refused by policy" and failed.permanent


async def test_loopback_is_refused_at_delivery_without_the_allowlist():
    async with receiver(answer_204) as hook:
        for url in (
            hook.url(),
            hook.url(host="localhost"),
            hook.url(host="[::ffff:127.0.0.1]"),
            hook.url(host="2130706433"),
            hook.url(host="127.1"),
        ):
            assert (await failure_of(url, PUBLIC_ONLY)).reason == "refused by policy", url
    assert hook.received == []


async def test_a_receiver_sending_a_byte_a_second_is_cut_off_by_the_deadline():
    for head_first in (True, False):
        async with receiver(byte_per_second(head_first)) as hook:
            started = time.monotonic()
            failed = await failure_of(hook.url())
            took = time.monotonic() - started
        assert failed.reason == "timeout" and not failed.permanent
        assert LIMITS.deadline_s <= took < LIMITS.deadline_s + 1.0


async def test_a_receiver_that_never_answers_is_cut_off_by_the_deadline():
    async def silent(writer, box):
        await asyncio.sleep(3600)

    async with receiver(silent) as hook:
        started = time.monotonic()
        assert (await failure_of(hook.url())).reason == "timeout"
    assert time.monotonic() - started < LIMITS.deadline_s + 1.0


async def test_only_the_first_few_kilobytes_of_an_answer_are_read():
    total = 256 * 1024 * 1024
    async with receiver(huge_body(total)) as hook:
        assert await post_webhook(hook.url(), BODY, {}, LOOPBACK_ALLOWED, LIMITS) == 200
        await asyncio.sleep(0.2)  # the receiver notices the closed connection
    assert hook.sent_bytes < 32 * 1024 * 1024  # what socket buffers hold, not the 256 MiB on offer


async def test_an_endless_answer_is_read_up_to_the_cap_only():
    async with receiver(endless_chunks) as hook:
        started = time.monotonic()
        assert await post_webhook(hook.url(), BODY, {}, LOOPBACK_ALLOWED, LIMITS) == 200
    assert time.monotonic() - started < 1.0


async def test_errors_say_what_happened_in_general_terms_only():
    banner = b"MongoDB 7.0 wire protocol; internal host db-1.internal"
    async with receiver(answer_status(404, banner)) as hook:
        failed = await failure_of(hook.url())
    assert failed.reason == "HTTP 404" and not failed.permanent
    closed = free_port()
    assert (await failure_of(f"http://127.0.0.1:{closed}/")).reason == "connection failed"
    assert (await failure_of("http://nowhere.invalid/", resolve=_unresolvable)).reason == "host not found"


async def _unresolvable(host: str, port: int):
    from reelflow_gateway.webhooks.delivery import Unresolvable

    raise Unresolvable(host)


async def test_redirects_are_not_followed():
    async with receiver(answer_204) as elsewhere:
        async with receiver(answer_status(302, headers=f"Location: {elsewhere.url()}\r\n")) as hook:
            assert (await failure_of(hook.url())).reason == "HTTP 302"
    assert elsewhere.received == []


async def test_retry_after_of_a_busy_receiver_is_kept():
    async with receiver(answer_status(503, headers="Retry-After: 7\r\n")) as hook:
        failed = await failure_of(hook.url())
    assert failed.reason == "HTTP 503" and failed.retry_after_s == 7.0


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Self-signed certificates (and keys) for `hooks.example` and `other.example`."""
    directory = tmp_path_factory.mktemp("tls")
    made = {}
    for name in ("hooks.example", "other.example"):
        cert, key = directory / f"{name}.pem", directory / f"{name}.key"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-days",
                "1",
                "-subj",
                f"/CN={name}",
                "-addext",
                f"subjectAltName=DNS:{name}",
            ],
            check=True,
            capture_output=True,
        )
        made[name] = (cert, key)
    return made


async def test_https_is_verified_against_the_host_name_while_connecting_to_the_checked_address(certificates):
    cert, key = certificates["hooks.example"]
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    resolve = resolving(["127.0.0.1"])
    async with receiver(answer_204, tls=server_tls) as hook:
        url = hook.url(host="hooks.example", scheme="https")
        assert await post_webhook(url, BODY, {}, LOOPBACK_ALLOWED, LIMITS, resolve=resolve, verify=trusting) == 204
        impostor = hook.url(host="other.example", scheme="https")  # same address, certificate not for that name
        assert (await failure_of(impostor, resolve=resolve, verify=trusting)).reason == "connection failed"
    assert len(hook.received) == 1 and hook.received[0][1]["host"] == f"hooks.example:{hook.port}"


async def test_registration_refuses_what_delivery_would_refuse():
    for url in (
        "http://127.0.0.1:27017/",
        "http://[::ffff:127.0.0.1]:9092/",
        "http://169.254.169.254/latest/",
        "http://10.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://localhost:6379/",
    ):
        with pytest.raises(WebhookUrlRejected) as refused:
            await check_webhook_url(url, PUBLIC_ONLY)
        assert refused.value.code == "webhook_url_refused", url
    await check_webhook_url("http://93.184.216.34/hook", PUBLIC_ONLY)
