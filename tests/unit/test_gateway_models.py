"""HTTP request models and settings parsing (pure validation, no servers)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reelflow_gateway.schemas import RegisterIn, ScriptCreateIn, ScriptUpdateIn
from reelflow_gateway.settings import Settings


def errors_of(model, **data) -> str:
    with pytest.raises(ValidationError) as info:
        model(**data)
    return str(info.value)


def test_register_accepts_a_valid_email_and_password() -> None:
    user = RegisterIn(email="mara@example.com", password="12345678")
    assert user.email == "mara@example.com"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "mara", "password": "12345678"}, "email"),
        ({"email": "mara@", "password": "12345678"}, "email"),
        ({"email": "@example.com", "password": "12345678"}, "email"),
        ({"email": "mara@example.com", "password": "1234567"}, "password"),
        ({"email": "mara@example.com", "password": "x" * 1025}, "password"),
        ({"email": "mara@example.com", "password": 12345678}, "password"),
        ({"email": "mara@example.com"}, "password"),
        ({"email": "mara@example.com", "password": "12345678", "admin": True}, "admin"),
    ],
)
def test_register_rejects(data: dict, field: str) -> None:
    assert field in errors_of(RegisterIn, **data)


def test_create_with_content() -> None:
    body = ScriptCreateIn(content="INT. ROOM - DAY\n\nHello.")
    assert body.title is None and body.premise is None and body.aspect == "16:9"


def test_create_with_premise() -> None:
    body = ScriptCreateIn(premise="a heist on the moon", title="Moon", target_scenes=4, aspect="9:16")
    assert body.content is None and body.target_scenes == 4


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({}, "exactly one"),
        ({"title": "t"}, "exactly one"),
        ({"content": "c", "premise": "p"}, "exactly one"),
        ({"content": ""}, "at least 1 character"),
        ({"content": " \n\t"}, "blank"),
        ({"premise": "  "}, "blank"),
        ({"content": "c", "title": "t" * 201}, "title"),
        ({"content": "c", "aspect": "4:3"}, "aspect"),
        ({"content": 5}, "content"),
        ({"content": "c", "target_scenes": 2}, "target_scenes"),
        ({"premise": "p", "target_scenes": 0}, "target_scenes"),
        ({"premise": "p", "target_scenes": 101}, "target_scenes"),
        ({"premise": "p" * 4001}, "premise"),
        ({"content": "c", "owner_id": "someone else"}, "owner_id"),
    ],
)
def test_create_rejects(data: dict, text: str) -> None:
    assert text in errors_of(ScriptCreateIn, **data)


def test_content_limit_is_200_000_bytes_of_utf8() -> None:
    ScriptCreateIn(content="a" * 200_000)
    ScriptCreateIn(content="é" * 100_000)  # 2 bytes each
    assert "bytes" in errors_of(ScriptCreateIn, content="é" * 100_001)
    assert "200000" in errors_of(ScriptCreateIn, content="a" * 200_001)
    assert "bytes" in errors_of(ScriptCreateIn, content="🎬" * 50_001)  # 4 bytes each


def test_update_needs_a_change() -> None:
    assert ScriptUpdateIn(title="new").title == "new"
    assert ScriptUpdateIn(aspect="1:1").aspect == "1:1"
    assert "nothing to update" in errors_of(ScriptUpdateIn)
    assert "nothing to update" in errors_of(ScriptUpdateIn, title=None, content=None)
    assert "blank" in errors_of(ScriptUpdateIn, content="   ")
    assert "status" in errors_of(ScriptUpdateIn, status="approved")


@pytest.mark.parametrize(
    ("raw", "origins"),
    [
        ('["http://a.example", "http://b.example:5173"]', ["http://a.example", "http://b.example:5173"]),
        ("http://a.example, http://b.example:5173", ["http://a.example", "http://b.example:5173"]),
        ("http://a.example", ["http://a.example"]),
        ("", []),
        ("*", ["*"]),
    ],
)
def test_cors_origins_from_json_or_comma_list(monkeypatch: pytest.MonkeyPatch, raw: str, origins: list[str]) -> None:
    monkeypatch.setenv("REELFLOW_CORS_ORIGINS", raw)
    assert Settings().cors_origins == origins


def test_gateway_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REELFLOW_HTTP_PORT", "REELFLOW_JWT_SECRET", "REELFLOW_CORS_ORIGINS", "REELFLOW_COMMAND_TIMEOUT_S"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.http_port == 8080 and settings.http_host == "127.0.0.1"
    assert settings.jwt_secret is None and settings.cors_origins == []
    assert 1 <= settings.command_timeout_s <= 10
    assert settings.read_model_group == "gateway-read-model"
