"""Image bytes in the service's bucket, under server-made keys (`image_media_key`).

One PutObject per image from memory: a 1920x1080 storyboard PNG is a few hundred KB (a model's
picture re-encoded, a few MB at most), far below where a streamed multipart upload would save
anything; it would only add round trips. Whatever the client raises is a StorageFailure with a
code (`storage_unavailable`: no connection, timeouts, 5xx; `storage_error`: the store refused,
e.g. 403), which the generation job retries within its bound."""

from __future__ import annotations

from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from reelflow_kit.store.s3 import ObjectStore

PNG = "image/png"
STORAGE_UNAVAILABLE = "storage_unavailable"


class StorageFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def unavailable(self) -> bool:
        """The store is away (no connection, timeouts, 5xx), rather than refusing."""
        return self.code == STORAGE_UNAVAILABLE


class MediaStore(Protocol):
    """Where the generation job puts a drawn PNG (raises StorageFailure)."""

    async def put_png(self, key: str, png: bytes) -> None: ...


class ImageMedia:
    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    async def put_png(self, key: str, png: bytes) -> None:
        try:
            await self._store.put(key, png, content_type=PNG)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            code = STORAGE_UNAVAILABLE if status >= 500 or status in (0, 408, 429) else "storage_error"
            raise StorageFailure(
                code,
                f"S3 PutObject {self._store.bucket}/{key} failed: HTTP {status} "
                f"{error.get('Code', '')}: {error.get('Message', exc)}",
            ) from exc
        except (BotoCoreError, OSError) as exc:
            where = f"{self._store.bucket}/{key}"
            raise StorageFailure(
                STORAGE_UNAVAILABLE, f"S3 PutObject {where} failed: {type(exc).__name__}: {exc}"
            ) from exc
