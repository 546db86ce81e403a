"""Render metrics: a `Rendering` that measures the one it wraps (bootstrap.py wires it in)."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import CollectorRegistry, Counter, Histogram

from reelflow_contracts.messages.common import VideoOptions
from reelflow_video.adapters.rendering import RenderedVideo, Rendering
from reelflow_video.domain import Video
from reelflow_video.render.progress import RenderProgress

RENDER_BUCKETS = (1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0)


class RenderMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.renders = Counter(
            "reelflow_renders",
            "Video renders by outcome (ok, failed, cancelled)",
            ["outcome"],
            registry=registry,
        )
        self.seconds = Histogram(
            "reelflow_render_duration_seconds",
            "Time a render took: total (fetch, narration, encoding, upload), encode (FFmpeg), narration",
            ["step"],
            buckets=RENDER_BUCKETS,
            registry=registry,
        )
        self.video_seconds = Counter("reelflow_rendered_video_seconds", "Seconds of video rendered", registry=registry)
        self.reused_pieces = Counter(
            "reelflow_render_reused_pieces", "Pieces of renders taken from the render cache", registry=registry
        )


class MeasuredRendering:
    def __init__(self, rendering: Rendering, metrics: RenderMetrics) -> None:
        self._rendering = rendering
        self._metrics = metrics

    async def render(self, video: Video, options: VideoOptions, progress: RenderProgress) -> RenderedVideo:
        began = time.perf_counter()
        try:
            rendered = await self._rendering.render(video, options, progress)
        except asyncio.CancelledError:
            self._metrics.renders.labels("cancelled").inc()
            raise
        except Exception:
            self._metrics.renders.labels("failed").inc()
            raise
        self._metrics.renders.labels("ok").inc()
        self._metrics.seconds.labels("total").observe(time.perf_counter() - began)
        self._metrics.seconds.labels("encode").observe(rendered.render_s)
        self._metrics.seconds.labels("narration").observe(rendered.narration_s)
        self._metrics.video_seconds.inc(rendered.duration_s)
        self._metrics.reused_pieces.inc(rendered.reused_segments)
        return rendered
