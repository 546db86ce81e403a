"""Every service built as its `__main__` builds it (`bootstrap.build`, the gateway's
`create_app`), without starting it: no server is contacted until a runtime starts. What the
deploy tests read of them: each runtime's Prometheus registry and the topics it uses."""

from __future__ import annotations

import importlib
from functools import cache

from reelflow_kit.runtime import ServiceRuntime

SERVICES = ("script", "scene", "image", "video", "gateway")


@cache
def built_runtimes() -> dict[str, ServiceRuntime]:
    """Service name -> its runtime, built once per test process (default settings, no topic prefix)."""
    runtimes: dict[str, ServiceRuntime] = {}
    for name in SERVICES:
        settings = importlib.import_module(f"reelflow_{name}.settings").Settings(kafka_namespace="")
        if name == "gateway":
            from reelflow_gateway.app import create_app

            app = create_app(settings)
            runtimes[name] = app.state.runtime
            app.state.gateway.passwords.shutdown()
        else:
            runtimes[name] = importlib.import_module(f"reelflow_{name}.bootstrap").build(settings)
    return runtimes
