"""Registration, login, bearer tokens."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from pymongo import MongoClient

from tests.e2e.helpers import PASSWORD, assert_error, bearer, new_email, register


def test_register_and_log_in(http: httpx.Client) -> None:
    email = new_email()
    response = http.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == email and user["id"] and user["created_at"]
    assert "password" not in response.text and "hash" not in response.text

    response = http.post("/api/auth/token", data={"username": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"] and body["expires_in"] > 0
    assert http.get("/api/scripts", headers=bearer(body["access_token"])).status_code == 200


def test_taken_email_is_409_whatever_its_case(http: httpx.Client) -> None:
    email = new_email()
    register(http, email)
    for again in (email, email.upper()):
        body = assert_error(http.post("/api/auth/register", json={"email": again, "password": PASSWORD}), 409)
        assert "already registered" in body["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@@example.com", "password": PASSWORD}, "email"),
        ({"email": new_email(), "password": "short"}, "password"),
        ({"email": new_email(), "password": "1234567"}, "password"),
        ({"email": new_email()}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": new_email(), "password": 12345678}, "password"),
    ],
)
def test_register_validation_is_422_naming_the_field(http: httpx.Client, payload: dict, field: str) -> None:
    body = assert_error(http.post("/api/auth/register", json=payload), 422)
    assert field in body["detail"]
    assert any(field in map(str, e["loc"]) for e in body["errors"])


def test_wrong_password_and_unknown_email_are_401(http: httpx.Client) -> None:
    email, _ = register(http)
    for form in ({"username": email, "password": "wrong password"}, {"username": new_email(), "password": PASSWORD}):
        response = http.post("/api/auth/token", data=form)
        assert_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def test_token_form_needs_username_and_password(http: httpx.Client) -> None:
    body = assert_error(http.post("/api/auth/token", data={"username": new_email()}), 422)
    assert "password" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/scripts"),
        ("POST", "/api/scripts"),
        ("GET", "/api/scripts/00000000-0000-4000-8000-000000000000"),
        ("PUT", "/api/scripts/00000000-0000-4000-8000-000000000000"),
        ("POST", "/api/scripts/00000000-0000-4000-8000-000000000000/approve"),
    ],
)
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-jwt",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
    ],
)
def test_api_needs_a_valid_bearer_token(http: httpx.Client, method: str, path: str, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = http.request(method, path, headers=headers, json={"content": "x"} if method != "GET" else None)
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def _signing_key(reelflow) -> str:
    with MongoClient(reelflow.infra.mongo_uri) as mongo:
        return mongo[reelflow.gateway_db]["secrets"].find_one({"_id": "jwt_hs256"})["value"]


def test_expired_and_forged_tokens_are_401(http: httpx.Client, reelflow) -> None:
    key = _signing_key(reelflow)
    past = int(time.time()) - 3600
    expired = jwt.encode({"sub": "someone", "iat": past - 60, "exp": past}, key, algorithm="HS256")
    body = assert_error(http.get("/api/scripts", headers=bearer(expired)), 401)
    assert "expired" in body["detail"]

    forged = jwt.encode({"sub": "someone", "exp": int(time.time()) + 3600}, "not the key" * 4, algorithm="HS256")
    assert_error(http.get("/api/scripts", headers=bearer(forged)), 401)

    unsigned = jwt.encode({"sub": "someone", "exp": int(time.time()) + 3600}, None, algorithm="none")
    assert_error(http.get("/api/scripts", headers=bearer(unsigned)), 401)

    without_expiry = jwt.encode({"sub": "someone"}, key, algorithm="HS256")
    assert_error(http.get("/api/scripts", headers=bearer(without_expiry)), 401)
