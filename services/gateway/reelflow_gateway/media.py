"""Reading image and video content from object storage (S3 through boto3), off the event loop.

The image and video services own their buckets and write the objects; the gateway only reads
them, by the keys their events carry (`ImageGenerated.media_key`, `VideoRendered.media_key`).
Content is streamed: an object is read in chunks of `chunk_bytes`, each in a worker thread of
the store's own pool (so slow downloads never take the default executor's threads, which the
password hashing uses), and a byte range is one ranged GetObject (`Range: bytes=a-b`), so a video
is never held in memory whole.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from reelflow_kit.settings import KitSettings
from reelflow_kit.store.s3 import s3_client

log = logging.getLogger(__name__)

_MISSING_CODES = ("404", "NoSuchKey", "NotFound", "NoSuchBucket")


class ObjectMissing(Exception):
    """The object (or its bucket) does not exist."""


class StorageUnavailable(Exception):
    """The object store did not answer, or answered with a server error."""


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str | None = None


@dataclass
class OpenedObject:
    """An object's body being read (the whole object, or the requested range of it)."""

    body: Any
    length: int
    """Bytes this body will give."""


class MediaStore:
    """Read-only access to one bucket."""

    def __init__(
        self,
        settings: KitSettings,
        bucket: str,
        executor: ThreadPoolExecutor,
        *,
        chunk_bytes: int = 262_144,
        connections: int = 16,
    ) -> None:
        self.bucket = bucket
        self.chunk_bytes = chunk_bytes
        self._executor = executor
        self._client = s3_client(settings, connections=connections)

    async def _run(self, fn, /, *args, **kwargs):
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(fn, *args, **kwargs))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if str(error.get("Code")) in _MISSING_CODES or status == 404:
                raise ObjectMissing(f"s3://{self.bucket}/{kwargs.get('Key', '')}") from None
            if status >= 500:
                raise StorageUnavailable(f"object store error {status}: {error.get('Code')}") from exc
            raise
        except BotoCoreError as exc:  # no connection, timeouts
            raise StorageUnavailable(f"object store unreachable: {type(exc).__name__}") from exc

    async def head(self, key: str) -> ObjectInfo:
        response = await self._run(self._client.head_object, Bucket=self.bucket, Key=key)
        return ObjectInfo(size=int(response["ContentLength"]), content_type=response.get("ContentType"))

    async def open(self, key: str, first: int | None = None, last: int | None = None) -> OpenedObject:
        """The object's body: whole, or bytes `first`..`last` (inclusive) with a ranged GET."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if first is not None:
            params["Range"] = f"bytes={first}-{'' if last is None else last}"
        response = await self._run(self._client.get_object, **params)
        return OpenedObject(body=response["Body"], length=int(response["ContentLength"]))

    async def chunks(self, opened: OpenedObject) -> AsyncIterator[bytes]:
        """The body's bytes, a chunk per thread hop; the body is closed however the stream ends
        (also when the client goes away mid-download)."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await loop.run_in_executor(self._executor, opened.body.read, self.chunk_bytes)
                if not data:
                    return
                yield data
        finally:
            opened.body.close()  # returns or drops the connection; does not read the rest


def media_executor(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="media")
