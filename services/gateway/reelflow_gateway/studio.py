"""The web studio's static files (web/): the page at `/`, its assets under `/studio/`.

Every file is read and gzip-compressed once, when the app is built (the whole studio is a few
dozen KB), and served from memory with a strong ETag (`304` on `If-None-Match`), `no-cache` so a
new release is picked up at the next load, and gzip when the browser accepts it. The page carries
a Content-Security-Policy that allows only this origin's scripts (plus the page's own import
map, by its hash): the studio needs no other origin. The API under `/api` is not touched.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

WEB_DIR = Path(__file__).parent / "web"
ASSETS_PREFIX = "/studio"
_IMPORT_MAP = re.compile(rb'<script type="importmap">(.*?)</script>', re.S)
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
}
_COMPRESSIBLE = (".js", ".css", ".html", ".txt", ".svg")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    etag: str
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()

    def response(self, request: Request) -> Response:
        accepts_gzip = self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", "")
        etag = self.etag[:-1] + ('-gz"' if accepts_gzip else '"')
        headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", **dict(self.headers)}
        if self.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        if accepts_gzip:
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.content_type, headers=headers)
        return Response(self.body, media_type=self.content_type, headers=headers)


def load(path: Path, extra_headers: tuple[tuple[str, str], ...] = ()) -> StaticFile:
    body = path.read_bytes()
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if path.suffix in _COMPRESSIBLE else None
    content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    return StaticFile(body, gzipped, etag, content_type, extra_headers)


def content_security_policy(page: bytes) -> str:
    """Only this origin, plus the page's inline import map (allowed by its SHA-256)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(m).digest()).decode()}'" for m in _IMPORT_MAP.findall(page)
    )
    directives = [
        "default-src 'self'",
        f"script-src 'self' {hashes}".strip(),
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


class StudioAssets:
    """ASGI app for `/studio/<path>`: the files under web/ (not index.html, which is `/`)."""

    def __init__(self, root: Path) -> None:
        self.files = {
            p.relative_to(root).as_posix(): load(p)
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "index.html"
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        found = self.files.get(scope["path"].removeprefix(scope.get("root_path", "")).lstrip("/"))
        if request.method not in ("GET", "HEAD") or found is None:
            response = Response(
                b'{"detail":"no such studio file","code":"not_found"}', 404, media_type="application/json"
            )
        else:
            response = found.response(request)
        await response(scope, receive, send)


def studio_routes(root: Path = WEB_DIR) -> list[Route | Mount]:
    """`/` (the page) and `/studio/...` (its scripts, styles and vendored libraries)."""
    page = (root / "index.html").read_bytes()
    index = load(
        root / "index.html",
        (("Content-Security-Policy", content_security_policy(page)), ("Referrer-Policy", "no-referrer")),
    )

    async def studio_page(request: Request) -> Response:
        return index.response(request)

    return [
        Route("/", studio_page, methods=["GET", "HEAD"], include_in_schema=False),
        Mount(ASSETS_PREFIX, app=StudioAssets(root)),
    ]
