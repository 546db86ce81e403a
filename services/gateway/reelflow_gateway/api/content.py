"""Serving stored media over HTTP: validators (ETag, If-None-Match), byte ranges, streaming.

An image or a video never changes once stored (a new picture is a new image, a new render a new
video, each with its own id and key), so the ETag is made from the id and the content may be
cached for good (`immutable`; `private`, because it is the owner's only).

Byte ranges (RFC 9110 section 14) for videos: one range per request, `bytes=a-b`, `bytes=a-` or
`bytes=-n`, answered 206 with `Content-Range`; a range starting past the end (or `bytes=-0`)
is 416 with `Content-Range: bytes */<size>`. A Range header this server does not serve (another
unit, several ranges, bad syntax) is ignored, as the RFC allows: the answer is the whole
content, 200. `If-Range` with any value other than the current ETag also gives the whole content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from reelflow_gateway.errors import ApiError
from reelflow_gateway.media import MediaStore, ObjectMissing, StorageUnavailable

IMMUTABLE = "private, max-age=31536000, immutable"
_DIGITS = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int
    """Inclusive."""

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range asked for, clipped to `size`; None to serve the whole content.
    Raises RangeNotSatisfiable when the range lies wholly past the end."""
    if not header:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = spec.split(",")
    if len(parts) != 1:
        return None  # several ranges: served whole rather than as multipart/byteranges
    first, dash, last = parts[0].strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if not first:  # bytes=-n: the last n bytes
        if not _DIGITS.fullmatch(last):
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"bytes=-{suffix} of {size} bytes")
        return ByteRange(max(0, size - suffix), size - 1)
    if not _DIGITS.fullmatch(first) or (last and not _DIGITS.fullmatch(last)):
        return None
    start = int(first)
    if last and int(last) < start:
        return None  # an invalid range-spec makes the header invalid: ignored
    if start >= size:
        raise RangeNotSatisfiable(f"bytes={start}- of {size} bytes")
    return ByteRange(start, min(int(last) if last else size - 1, size - 1))


def content_ticket(state, user: str, kind: str, resource_id: str) -> dict:
    """The body of `GET /api/{kind}s/{id}/content-ticket`; the caller has checked ownership."""
    ticket, expires = state.tokens.issue_ticket(user, f"{kind}:{resource_id}", state.settings.media_ticket_ttl_s)
    return {
        "url": f"/api/{kind}s/{resource_id}/content?ticket={ticket}",
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat(),
    }


def entity_tag(kind: str, resource_id: str) -> str:
    return f'"{kind}-{resource_id}"'


def matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as the RFC asks there)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def validators(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": IMMUTABLE}


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers=validators(etag))


def storage_error(exc: Exception, what: str) -> ApiError:
    if isinstance(exc, ObjectMissing):
        # The event said it was stored: only a bucket emptied by hand gets here.
        return ApiError(404, f"the content of {what} is missing from object storage", "content_missing")
    return ApiError(503, f"object storage unavailable: {exc}", "unavailable", {"Retry-After": "1"})


async def stream_whole(
    store: MediaStore,
    key: str,
    *,
    media_type: str,
    etag: str,
    what: str,
    filename: str,
    extra: dict[str, str] | None = None,
) -> Response:
    """200 with the object's bytes streamed from S3 (one GetObject, read in chunks)."""
    try:
        opened = await store.open(key)
    except (ObjectMissing, StorageUnavailable) as exc:
        raise storage_error(exc, what) from None
    headers = {
        **validators(etag),
        "Content-Length": str(opened.length),
        "Content-Disposition": f'inline; filename="{filename}"',
        **(extra or {}),
    }
    return StreamingResponse(store.chunks(opened), status_code=200, media_type=media_type, headers=headers)


async def stream_ranged(
    request: Request, store: MediaStore, key: str, *, media_type: str, etag: str, what: str, filename: str
) -> Response:
    """The object whole (200) or the one byte range asked for (206), or 416; `Accept-Ranges: bytes`."""
    accept = {"Accept-Ranges": "bytes"}
    header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if not header or (if_range is not None and if_range.strip() != etag):
        return await stream_whole(
            store, key, media_type=media_type, etag=etag, what=what, filename=filename, extra=accept
        )
    try:
        info = await store.head(key)
    except (ObjectMissing, StorageUnavailable) as exc:
        raise storage_error(exc, what) from None
    try:
        wanted = parse_range(header, info.size)
    except RangeNotSatisfiable:
        raise ApiError(
            416,
            f"range {header!r} is not satisfiable: {what} is {info.size} bytes",
            "range_not_satisfiable",
            {**accept, "Content-Range": f"bytes */{info.size}"},
        ) from None
    if wanted is None:
        return await stream_whole(
            store, key, media_type=media_type, etag=etag, what=what, filename=filename, extra=accept
        )
    try:
        opened = await store.open(key, wanted.first, wanted.last)
    except (ObjectMissing, StorageUnavailable) as exc:
        raise storage_error(exc, what) from None
    if opened.length != wanted.length:  # the store ignored the range: never send other bytes than announced
        opened.body.close()
        raise ApiError(
            502, f"object storage answered {opened.length} bytes for a range of {wanted.length}", "upstream_failed"
        )
    headers = {
        **validators(etag),
        **accept,
        "Content-Length": str(wanted.length),
        "Content-Range": wanted.content_range(info.size),
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    return StreamingResponse(store.chunks(opened), status_code=206, media_type=media_type, headers=headers)
