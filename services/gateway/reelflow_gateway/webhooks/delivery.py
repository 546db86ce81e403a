"""The HTTP side of a webhook: resolve the host once, check every address against the policy,
then POST to that very address (no second lookup a DNS rebinding could answer differently).

Limits: one deadline covers everything (lookup, connect, TLS, send, status line, body); at most
`response_bytes` of the answer are read; redirects are not followed. Failures carry a reason in
general terms only (`timeout`, `refused by policy`, `connection failed`, `HTTP 404`): what the
receiver said or what the network answered stays in the gateway's log, so webhooks cannot be used
to scan or read internal services.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from ipaddress import ip_address

import httpx

from reelflow_gateway.webhooks.policy import (
    REFUSED_BY_POLICY,
    Address,
    InvalidWebhookUrl,
    OutboundPolicy,
    Target,
    parse_target,
)

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[Address]]]
TIMEOUT, CONNECTION_FAILED, HOST_NOT_FOUND = "timeout", "connection failed", "host not found"
MAX_RETRY_AFTER_S = 3600.0


class Unresolvable(Exception):
    """The host name has no address."""


class WebhookRefused(Exception):
    """The policy refuses the URL or one of its addresses; `reason` says which kind ("loopback")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(Exception):
    """`reason` is safe to show the webhook's owner; `permanent`: trying again cannot help."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class DeliveryLimits:
    deadline_s: float = 10.0
    response_bytes: int = 4096


async def resolve_host(host: str, port: int) -> list[Address]:
    """Every address the system resolver gives for `host` (which also reads numeric spellings)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(host) from exc
    addresses = list(dict.fromkeys(_ip_addresses(info[4][0] for info in infos)))
    if not addresses:
        raise Unresolvable(host)
    return addresses


def own_addresses() -> frozenset[Address]:
    """This machine's addresses by its host name (the gateway must not be its own webhook)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except (socket.gaierror, UnicodeError):
        return frozenset()
    return frozenset(_ip_addresses(info[4][0] for info in infos))


def _ip_addresses(hosts: Iterable[str | int]) -> Iterator[Address]:
    """The addresses getaddrinfo named (its answers' `sockaddr[0]`), without an IPv6 scope
    (`fe80::1%eth0`). A Python built without IPv6 support gives an IPv6 answer as raw
    `(family, bytes)`, whose int is no address: skipped."""
    for host in hosts:
        if isinstance(host, str):
            yield ip_address(host.split("%")[0])


async def checked_addresses(target: Target, policy: OutboundPolicy, resolve: Resolver) -> list[Address]:
    """The target's addresses, all allowed by the policy; raises Unresolvable or WebhookRefused."""
    addresses = await resolve(target.host, target.port)
    reason = policy.first_refusal(addresses, target.port)
    if reason is not None:
        raise WebhookRefused(reason)
    return addresses


async def post_webhook(
    url: str,
    body: bytes,
    headers: dict[str, str],
    policy: OutboundPolicy,
    limits: DeliveryLimits,
    resolve: Resolver = resolve_host,
    verify: ssl.SSLContext | bool = True,
) -> int:
    """POSTs `body` to `url` under the policy and limits; the 2xx status, or DeliveryFailed.
    `verify`: how https receivers' certificates are checked (the system's CAs by default)."""
    try:
        target = parse_target(url)
    except InvalidWebhookUrl:
        raise DeliveryFailed(REFUSED_BY_POLICY, permanent=True) from None
    try:
        async with asyncio.timeout(limits.deadline_s):
            addresses = await checked_addresses(target, policy, resolve)
            response = await _post_to_first_reachable(target, addresses, body, headers, limits, verify)
    except WebhookRefused as refused:
        log.warning("webhook refused by policy", extra={"host": target.host, "reason": refused.reason})
        raise DeliveryFailed(REFUSED_BY_POLICY, permanent=True) from None
    except Unresolvable:
        raise DeliveryFailed(HOST_NOT_FOUND) from None
    except (TimeoutError, httpx.TimeoutException):
        raise DeliveryFailed(TIMEOUT) from None
    except (httpx.HTTPError, OSError) as exc:
        log.info("webhook delivery failed", extra={"host": target.host, "error": repr(exc)})
        raise DeliveryFailed(CONNECTION_FAILED) from None
    if response.status_code >= 300:
        raise DeliveryFailed(f"HTTP {response.status_code}", retry_after_s=retry_after(response))
    return response.status_code


async def _post_to_first_reachable(
    target: Target,
    addresses: list[Address],
    body: bytes,
    headers: dict[str, str],
    limits: DeliveryLimits,
    verify: ssl.SSLContext | bool,
) -> httpx.Response:
    for index, address in enumerate(addresses):
        try:
            return await _post_to(target, address, body, headers, limits, verify)
        except httpx.ConnectError:
            if index == len(addresses) - 1:
                raise
    raise AssertionError("checked_addresses returns at least one address")


async def _post_to(
    target: Target,
    address: Address,
    body: bytes,
    headers: dict[str, str],
    limits: DeliveryLimits,
    verify: ssl.SSLContext | bool,
) -> httpx.Response:
    """One POST to `address`; TLS (if https) still verifies the certificate against the host name."""
    url = httpx.URL(scheme=target.scheme, host=str(address), port=target.port, raw_path=target.path.encode())
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    # trust_env=False: no proxy from the environment, which would make its own connection elsewhere
    async with httpx.AsyncClient(
        follow_redirects=False, trust_env=False, timeout=limits.deadline_s, verify=verify
    ) as client:
        request = client.build_request(
            "POST", url, content=body, extensions=extensions, headers={**headers, "host": target.host_header}
        )
        response = await client.send(request, stream=True)
        try:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= limits.response_bytes:
                    break
        finally:
            await response.aclose()
        return response


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return min(float(value), MAX_RETRY_AFTER_S) if value.isdigit() else None
