"""The web studio's static files as the gateway serves them: the page at `/` with its CSP,
assets under `/studio/` gzipped with ETags, nothing added to the API or its OpenAPI document,
and every file shipped as package data."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reelflow_gateway.app import create_app
from reelflow_gateway.studio import WEB_DIR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())  # no lifespan: only static routes are called


def test_the_page_is_served_at_the_root_with_a_csp_allowing_its_import_map(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    import_map = re.search(rb'<script type="importmap">(.*?)</script>', response.content, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(import_map).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in policy and "default-src 'self'" in policy and "unsafe" not in policy


def test_assets_are_gzipped_and_revalidated_by_etag(client: TestClient) -> None:
    response = client.get("/studio/js/main.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["content-encoding"] == "gzip"
    assert response.content == (WEB_DIR / "js/main.js").read_bytes()  # the client decoded it
    again = client.get(
        "/studio/js/main.js", headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    plain = client.get("/studio/js/main.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"] != response.headers["etag"]
    assert len(gzip.compress(plain.content)) < len(plain.content)


def test_unknown_studio_files_and_api_paths_answer_json_404(client: TestClient) -> None:
    for path in ("/studio/nothing.js", "/studio/../app.py", "/api/no-such-route"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/json"), path


def test_the_studio_adds_nothing_to_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") or path == "/healthz" for path in paths)


def test_every_studio_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "services/gateway/pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["reelflow_gateway"]
    package = WEB_DIR.parent
    files = [p.relative_to(package).as_posix() for p in WEB_DIR.rglob("*") if p.is_file()]
    missing = [
        f for f in files if not any(fnmatch(f, pattern) and f.count("/") == pattern.count("/") for pattern in patterns)
    ]
    assert not missing, f"add these to [tool.setuptools.package-data]: {missing}"
