"""JWT access tokens (HS256): `sub` is the user id, `exp` the expiry.

Media tickets are JWTs too, for URLs a browser fetches without headers (`<video src>`,
`<img src>`): short-lived, and good for one resource only, named in `aud` (`media:video:<id>`).
An access token is never a ticket and a ticket never an access token: PyJWT refuses a token
with an `aud` where no audience is expected, and one without where one is.

Verified tokens are remembered (token -> user id, expiry) in a small bounded cache, so a client
sending the same token on every request pays for HMAC and JSON decoding once, not every time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt

ALGORITHM = "HS256"
CACHE_SIZE = 10_000
CLOCK_SKEW_S = 60


class TokenError(ValueError):
    """The token is missing, malformed, wrongly signed or expired; the message says which."""


@dataclass
class TokenCodec:
    secret: str
    ttl_s: int
    _verified: dict[str, tuple[str, int]] = field(default_factory=dict, repr=False)

    def issue(self, user_id: str, *, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        return jwt.encode({"sub": user_id, "iat": issued, "exp": issued + self.ttl_s}, self.secret, algorithm=ALGORITHM)

    def issue_ticket(self, user_id: str, resource: str, ttl_s: int, *, now: float | None = None) -> tuple[str, int]:
        """A ticket for `resource` (`video:<id>`, `image:<id>`) and its expiry (Unix seconds)."""
        issued = int(now if now is not None else time.time())
        claims = {"sub": user_id, "aud": f"media:{resource}", "iat": issued, "exp": issued + ttl_s}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM), issued + ttl_s

    def verify_ticket(self, ticket: str, resource: str, *, now: float | None = None) -> str:
        """The user id a ticket for `resource` was issued to; raises TokenError."""
        try:
            claims = jwt.decode(
                ticket,
                self.secret,
                algorithms=[ALGORITHM],
                audience=f"media:{resource}",
                leeway=CLOCK_SKEW_S,
                options={"require": ["sub", "exp", "aud"], "verify_exp": False},
            )
        except jwt.InvalidAudienceError:
            raise TokenError(f"this ticket is not for {resource}") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"invalid ticket: {exc}") from None
        if not isinstance(claims["exp"], (int, float)) or (now if now is not None else time.time()) >= claims["exp"]:
            raise TokenError("ticket expired: ask for a new one")
        if not isinstance(claims["sub"], str) or not claims["sub"]:
            raise TokenError("invalid ticket: empty subject")
        return claims["sub"]

    def verify(self, token: str, *, now: float | None = None) -> str:
        """The user id the token was issued to; raises TokenError."""
        now = now if now is not None else time.time()
        cached = self._verified.get(token)
        if cached is not None:
            subject, expires = cached
            if now < expires:
                return subject
            del self._verified[token]
            raise TokenError("token expired")
        try:
            # Expiry is checked below (the cache needs it too); the leeway only forgives an `iat`
            # slightly ahead, from another instance whose clock runs a little fast.
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                leeway=CLOCK_SKEW_S,
                options={"require": ["sub", "exp"], "verify_exp": False},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"invalid token: {exc}") from None
        subject, expires = claims["sub"], claims["exp"]
        if not isinstance(subject, str) or not subject:
            raise TokenError("invalid token: empty subject")
        if not isinstance(expires, (int, float)) or isinstance(expires, bool):
            raise TokenError("invalid token: exp is not a number")
        if now >= expires:
            raise TokenError("token expired")
        if len(self._verified) >= CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (subject, int(expires))
        return subject
