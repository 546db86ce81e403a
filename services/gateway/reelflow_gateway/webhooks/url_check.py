"""A webhook URL checked when it is given, so a bad one is refused at once (delivery checks it again)."""

from __future__ import annotations

import asyncio

from reelflow_gateway.webhooks.delivery import Resolver, Unresolvable, WebhookRefused, checked_addresses, resolve_host
from reelflow_gateway.webhooks.policy import InvalidWebhookUrl, OutboundPolicy, parse_target

WEBHOOK_LOOKUP_S = 5.0
"""How long the webhook host's name lookup may hold a request."""


class WebhookUrlRejected(Exception):
    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        """`invalid_webhook_url` (not a usable URL, or a host that does not resolve) or `webhook_url_refused`."""


async def check_webhook_url(url: str, policy: OutboundPolicy, resolve: Resolver = resolve_host) -> None:
    """An http(s) URL whose every address the outbound policy allows, or WebhookUrlRejected."""
    try:
        async with asyncio.timeout(WEBHOOK_LOOKUP_S):
            await checked_addresses(parse_target(url), policy, resolve)
    except InvalidWebhookUrl as exc:
        raise WebhookUrlRejected(f"webhook_url {exc}", "invalid_webhook_url") from None
    except (Unresolvable, TimeoutError):
        raise WebhookUrlRejected("webhook_url has a host that does not resolve", "invalid_webhook_url") from None
    except WebhookRefused as refused:
        raise WebhookUrlRejected(
            f"webhook_url points at a {refused.reason} address, which webhooks may not reach", "webhook_url_refused"
        ) from None
