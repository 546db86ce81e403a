"""Standard Webhooks signatures (https://www.standardwebhooks.com): what a receiver checks with
any Standard Webhooks library, given its owner's secret.

`webhook-signature` is `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`,
one per valid secret, space separated (two while a rotated-out secret is in its grace period).
The HMAC key is the secret's bytes: the base64 after `whsec_`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "webhook-id", "webhook-timestamp", "webhook-signature"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def message_id(delivery: str) -> str:
    """The `webhook-id` of a delivery: the same on every try of it, so receivers can drop repeats."""
    return f"msg_{uuid.uuid5(uuid.NAMESPACE_URL, f'reelflow:{delivery}').hex}"


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode("ascii")


def signed_headers(valid_secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(signature(secret, msg_id, timestamp, body) for secret in valid_secrets),
    }
