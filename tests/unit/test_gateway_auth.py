"""Password hashing and access tokens (pure logic, no servers)."""

from __future__ import annotations

import time

import jwt
import pytest

from reelflow_gateway.auth.passwords import burn_verification, hash_password, needs_rehash, verify_password
from reelflow_gateway.auth.tokens import TokenCodec, TokenError
from reelflow_gateway.auth.users import normalize_email

SECRET = "s" * 64


def test_password_hash_is_salted_argon2id_and_verifies() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$") and first != second
    assert "correct horse" not in first
    assert verify_password(first, "correct horse") and verify_password(second, "correct horse")
    assert not needs_rehash(first)


@pytest.mark.parametrize("attempt", ["correct hors", "Correct horse", "", "correct horse "])
def test_wrong_password_does_not_verify(attempt: str) -> None:
    assert not verify_password(hash_password("correct horse"), attempt)


def test_garbage_hash_does_not_verify() -> None:
    assert not verify_password("not a hash", "anything")
    assert not verify_password("$argon2id$v=19$m=65536,t=3,p=4$broken", "anything")


def test_unicode_passwords() -> None:
    stored = hash_password("pässwörd-密码-🔑")
    assert verify_password(stored, "pässwörd-密码-🔑") and not verify_password(stored, "passwort-密码-🔑")


def test_burn_verification_takes_about_as_long_as_a_real_one() -> None:
    stored = hash_password("correct horse")
    t0 = time.perf_counter()
    verify_password(stored, "wrong")
    real = time.perf_counter() - t0
    t0 = time.perf_counter()
    burn_verification("wrong")
    burn_verification("wrong")  # the first call may build the dummy hash
    burned = (time.perf_counter() - t0) / 2
    assert burned > real / 10


def test_token_carries_user_id_and_expiry() -> None:
    codec = TokenCodec(SECRET, ttl_s=600)
    now = time.time()
    token = codec.issue("user-1", now=now)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == "user-1" and claims["exp"] == int(now) + 600 and claims["iat"] == int(now)
    assert codec.verify(token) == "user-1"
    assert codec.verify(token) == "user-1"  # second time from the cache


def test_token_issued_slightly_in_the_future_is_accepted() -> None:
    codec = TokenCodec(SECRET, ttl_s=600)
    assert codec.verify(codec.issue("user-1", now=time.time() + 5)) == "user-1"


def test_token_expires() -> None:
    codec = TokenCodec(SECRET, ttl_s=60)
    token = codec.issue("user-1", now=time.time() - 61)
    with pytest.raises(TokenError, match="expired"):
        codec.verify(token)


def test_cached_token_still_expires() -> None:
    codec = TokenCodec(SECRET, ttl_s=60)
    now = time.time()
    token = codec.issue("user-1", now=now - 30)
    assert codec.verify(token, now=now) == "user-1"
    assert token in codec._verified
    with pytest.raises(TokenError, match="expired"):
        codec.verify(token, now=now + 31)
    assert token not in codec._verified
    with pytest.raises(TokenError, match="expired"):
        codec.verify(token, now=now + 31)  # decoded again: the token itself says so


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not.a.token",
        "a.b",
        jwt.encode({"sub": "user-1", "exp": int(time.time()) + 60}, "another secret" * 4, algorithm="HS256"),
        jwt.encode({"sub": "user-1", "exp": int(time.time()) + 60}, None, algorithm="none"),
        jwt.encode({"sub": "user-1"}, SECRET, algorithm="HS256"),
        jwt.encode({"exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "user-1", "exp": "tomorrow"}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "user-1", "exp": int(time.time()) + 60}, SECRET, algorithm="HS512"),
    ],
)
def test_invalid_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        TokenCodec(SECRET, ttl_s=60).verify(token)


def test_tampered_token_is_refused() -> None:
    codec = TokenCodec(SECRET, ttl_s=60)
    header, payload, signature = codec.issue("user-1").split(".")
    forged_payload = jwt.utils.base64url_encode(b'{"sub":"admin","exp":9999999999}').decode()
    with pytest.raises(TokenError):
        codec.verify(f"{header}.{forged_payload}.{signature}")


def test_token_cache_is_bounded() -> None:
    from reelflow_gateway.auth import tokens

    codec = TokenCodec(SECRET, ttl_s=600)
    for n in range(tokens.CACHE_SIZE + 10):
        codec.verify(codec.issue(f"user-{n}", now=time.time() - n % 5))
    assert len(codec._verified) <= tokens.CACHE_SIZE


def test_email_uniqueness_key_ignores_case() -> None:
    assert normalize_email("Mara@Example.COM") == normalize_email("mara@example.com") == "mara@example.com"


def test_a_media_ticket_is_good_for_its_resource_until_it_expires() -> None:
    codec = TokenCodec(secret=SECRET, ttl_s=3600)
    ticket, expires = codec.issue_ticket("user-1", "video:v1", ttl_s=60, now=1_000_000)
    assert expires == 1_000_060
    assert codec.verify_ticket(ticket, "video:v1", now=1_000_059) == "user-1"
    with pytest.raises(TokenError, match="expired"):
        codec.verify_ticket(ticket, "video:v1", now=1_000_060)
    with pytest.raises(TokenError, match="not for video:v2"):
        codec.verify_ticket(ticket, "video:v2", now=1_000_001)
    with pytest.raises(TokenError, match="not for image:v1"):
        codec.verify_ticket(ticket, "image:v1", now=1_000_001)


def test_tickets_and_access_tokens_are_not_interchangeable() -> None:
    codec = TokenCodec(secret=SECRET, ttl_s=3600)
    ticket, _ = codec.issue_ticket("user-1", "video:v1", ttl_s=60)
    with pytest.raises(TokenError):
        codec.verify(ticket)
    with pytest.raises(TokenError):
        codec.verify_ticket(codec.issue("user-1"), "video:v1")
    forged = jwt.encode(
        {"sub": "user-1", "aud": "media:video:v1", "exp": time.time() + 60}, "other" * 13, algorithm="HS256"
    )
    with pytest.raises(TokenError):
        codec.verify_ticket(forged, "video:v1")
