"""The image service's repositories, media store and image generator, in memory."""

from __future__ import annotations

import struct
from typing import Any

from reelflow_contracts.envelope import Envelope
from reelflow_contracts.messages.base import Usage
from reelflow_image.adapters.drafts import Draft
from reelflow_image.adapters.media import StorageFailure
from reelflow_image.domain import Image, Shot
from reelflow_kit.ai import AIProviderError, GeneratedImage, ImageRequest
from reelflow_kit.jobs import Job
from tests.support.fakes import FakeUnitOfWork, InMemoryRepository


def png_header(width: int, height: int) -> bytes:
    """The start of a PNG of that size: all `png_size` reads."""
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"


class FakeShotRepository(InMemoryRepository[Shot]):
    pass


class FakeImageRepository(InMemoryRepository[Image]):
    def __init__(self, *images: Image) -> None:
        super().__init__(*images)
        self.timings: dict[str, dict[str, Any]] = {}

    async def add(self, image: Image, timings: dict[str, Any] | None = None) -> None:
        await super().add(image)
        if timings:
            self.timings[image.id] = timings


class FakeDraftRepository:
    def __init__(self, drafts: dict[str, Draft] | None = None) -> None:
        self.by_id = dict(drafts or {})

    async def get(self, image_id: str) -> Draft | None:
        return self.by_id.get(image_id)

    async def keep(self, image_id: str, draft: Draft) -> None:
        self.by_id[image_id] = draft

    async def remove(self, image_id: str) -> None:
        self.by_id.pop(image_id, None)


class FakeMediaStore:
    """Records each PNG put; `failing` makes every put raise that StorageFailure instead."""

    def __init__(self, failing: StorageFailure | None = None) -> None:
        self.failing = failing
        self.puts: dict[str, bytes] = {}

    async def put_png(self, key: str, png: bytes) -> None:
        if self.failing is not None:
            raise self.failing
        self.puts[key] = png


class FakeImageGenerator:
    """Draws a PNG header of the requested size (or of `size`), or raises `failing`; keeps the requests."""

    def __init__(
        self, *, failing: AIProviderError | None = None, size: tuple[int, int] | None = None, usage: Usage | None = None
    ) -> None:
        self.failing = failing
        self.size = size
        self.usage = usage or Usage(provider="fake", images=1)
        self.requests: list[ImageRequest] = []

    async def generate(self, request: ImageRequest) -> GeneratedImage:
        self.requests.append(request)
        if self.failing is not None:
            raise self.failing
        width, height = self.size or (request.width, request.height)
        return GeneratedImage(png=png_header(width, height), width=width, height=height, usage=self.usage)


class FakeImageUnitOfWork(FakeUnitOfWork):
    def __init__(
        self,
        cause: Envelope | None = None,
        job: Job | None = None,
        *,
        shots: tuple[Shot, ...] = (),
        images: tuple[Image, ...] = (),
        drafts: dict[str, Draft] | None = None,
    ) -> None:
        super().__init__(cause, job)
        self.shots = FakeShotRepository(*shots)
        self.images = FakeImageRepository(*images)
        self.drafts = FakeDraftRepository(drafts)
