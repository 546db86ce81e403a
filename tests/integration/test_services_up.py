"""`make up` / `make status` / `make down` for the services: each starts, connects and reports health."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

from tests.support.infra import ROOT
from tests.support.processes import free_port

SERVICES = ("script", "scene", "image", "video", "gateway")


def run(command: str, env: dict, var_dir) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "deploy/embedded/services.py", command, "--var-dir", str(var_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_service_starts_reports_health_and_stops(infra, tmp_path):
    ports = {name: free_port() for name in SERVICES}
    env = {**os.environ, **infra.env(), "REELFLOW_GATEWAY_PORT": str(ports["gateway"])}
    env.update({f"REELFLOW_{n.upper()}_HEALTH_PORT": str(p) for n, p in ports.items() if n != "gateway"})
    try:
        started = run("up", env, tmp_path)
        assert started.returncode == 0, started.stdout + started.stderr
        status = run("status", env, tmp_path)
        assert status.returncode == 0, status.stdout + status.stderr
        for name, port in ports.items():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                report = json.loads(response.read())
            assert report["status"] == "ok"
            assert report["service"] == name
            assert report["checks"]["kafka"]["ok"] and report["checks"]["mongodb"]["ok"]
        pids = [int((tmp_path / "run" / f"{name}.pid").read_text()) for name in SERVICES]
    finally:
        stopped = run("down", env, tmp_path)
    assert stopped.returncode == 0, stopped.stderr
    assert all(not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z" for pid in pids)
    after = run("status", env, tmp_path)
    assert after.returncode != 0 and "not running" in after.stdout
