"""The committed AsyncAPI document is the one the contracts generate, and the gateway serves it."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import yaml
from starlette.applications import Starlette
from starlette.testclient import TestClient

from reelflow_contracts.asyncapi import build
from reelflow_gateway.apidoc.asyncapi_page import CONTENT_SECURITY_POLICY, asyncapi_routes, to_yaml

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == to_yaml(build()), (
        "docs/asyncapi.yaml differs from what contracts/reelflow_contracts/asyncapi.py generates: "
        "run `make asyncapi` (python -m reelflow_gateway.apidoc.asyncapi_page > docs/asyncapi.yaml) and commit it"
    )


def test_the_yaml_reads_back_as_the_document() -> None:
    assert yaml.safe_load(COMMITTED.read_text(encoding="utf-8")) == build()


def _client() -> TestClient:
    return TestClient(Starlette(routes=asyncapi_routes()))


def test_the_gateway_serves_the_document() -> None:
    response = _client().get("/asyncapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.text == COMMITTED.read_text(encoding="utf-8")


def test_the_page_names_every_topic_and_message_and_needs_no_other_origin() -> None:
    response = _client().get("/asyncapi")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    doc = build()
    for channel in doc["channels"].values():
        assert f"<code>{channel['address']}</code>" in page
    for name, message in doc["components"]["messages"].items():
        assert f'id="{name}"' in page
        if "x-ce-type" in message:
            assert message["x-ce-type"] in page
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page must not load anything from elsewhere"


def test_the_pages_policy_allows_its_own_style_and_nothing_else() -> None:
    response = _client().get("/asyncapi")
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in policy
    style = re.search(r"<style>(.*?)</style>", response.text, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in policy
