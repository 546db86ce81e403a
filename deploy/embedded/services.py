#!/usr/bin/env python3
"""Run every Reelflow service as a background process against the embedded stack.

    python deploy/embedded/services.py up|down|status [--var-dir var]

Logs go to var/log/<service>.log and pids to var/run/<service>.pid. `up` waits until each
service's /healthz answers 200 (broker, MongoDB and S3 reachable) and fails with the log tail
otherwise. Ports: gateway REELFLOW_GATEWAY_PORT (8080); the others' health ports
REELFLOW_<NAME>_HEALTH_PORT (script 8081, scene 8082, image 8083, video 8084).
REELFLOW_KAFKA_BOOTSTRAP, REELFLOW_MONGO_URI, REELFLOW_S3_* in the environment win over the
embedded stack's endpoints, so the same command runs the services against external servers.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded import stack  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = {"script": 8081, "scene": 8082, "image": 8083, "video": 8084, "gateway": 8080}
SERVICES = tuple(DEFAULT_PORTS)


def port_of(name: str) -> int:
    var = "REELFLOW_GATEWAY_PORT" if name == "gateway" else f"REELFLOW_{name.upper()}_HEALTH_PORT"
    return int(os.environ.get(var, DEFAULT_PORTS[name]))


def health_url(name: str) -> str:
    return f"http://127.0.0.1:{port_of(name)}/healthz"


def service_env(cfg: stack.StackConfig, name: str) -> dict[str, str]:
    """The embedded stack's endpoints, unless REELFLOW_* variables already name other servers."""
    env = {**cfg.service_env(), **os.environ, "PYTHONUNBUFFERED": "1"}
    if env.get("OPENAI_API_KEY") and not env.get("REELFLOW_AI_PROVIDER"):
        # the usual variable of OpenAI's own tools is enough to leave the offline provider
        env["REELFLOW_AI_PROVIDER"] = "openai"
        env.setdefault("REELFLOW_OPENAI_API_KEY", env["OPENAI_API_KEY"])
    if name == "gateway":
        env["REELFLOW_HTTP_PORT"] = str(port_of(name))
    else:
        env["REELFLOW_HEALTH_PORT"] = str(port_of(name))
    return env


def pid_file(cfg: stack.StackConfig, name: str) -> Path:
    return cfg.run_dir / f"{name}.pid"


def running_pid(cfg: stack.StackConfig, name: str) -> int | None:
    try:
        pid = int(pid_file(cfg, name).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    return pid if f"reelflow_{name}" in cmdline and stack._group_alive(pid) else None


def probe(name: str, timeout: float = 2.0) -> tuple[bool, dict | str]:
    try:
        with urllib.request.urlopen(health_url(name), timeout=timeout) as response:
            return response.status == 200, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return False, json.loads(exc.read() or b"{}")
    except (OSError, ValueError) as exc:
        return False, str(exc)


def start_one(cfg: stack.StackConfig, name: str, timeout: float) -> str:
    if running_pid(cfg, name):
        return f"{name}: already running"
    cfg.log_dir.mkdir(parents=True, exist_ok=True)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    log_path = cfg.log_dir / f"{name}.log"
    with open(log_path, "ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(
            [sys.executable, "-m", f"reelflow_{name}"],
            cwd=ROOT,
            env=service_env(cfg, name),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(cfg, name).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    detail: dict | str = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        healthy, detail = probe(name)
        if healthy:
            return f"{name}: healthy on {health_url(name)} (pid {proc.pid})"
        time.sleep(0.2)
    stop_one(cfg, name)
    tail = stack._log_tail(log_path, offset)
    raise RuntimeError(f"{name} did not become healthy within {timeout:.0f}s ({detail}); log tail:\n{tail}")


def stop_one(cfg: stack.StackConfig, name: str, timeout: float = 15.0) -> None:
    pid = running_pid(cfg, name)
    if pid:
        stack._signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while stack._group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if stack._group_alive(pid):
            stack._signal_group(pid, signal.SIGKILL)
    pid_file(cfg, name).unlink(missing_ok=True)


def up(cfg: stack.StackConfig, timeout: float) -> int:
    with ThreadPoolExecutor(len(SERVICES)) as pool:
        futures = {name: pool.submit(start_one, cfg, name, timeout) for name in SERVICES}
    failed = False
    for _name, future in futures.items():
        try:
            print(f"[services] {future.result()}")
        except RuntimeError as exc:
            failed = True
            print(f"[services] ERROR {exc}", file=sys.stderr)
    if failed:
        return 1
    print(
        f"[services] all healthy; API on http://127.0.0.1:{port_of('gateway')} (docs at /docs); stop with `make down`"
    )
    return 0


def down(cfg: stack.StackConfig) -> int:
    with ThreadPoolExecutor(len(SERVICES)) as pool:
        list(pool.map(lambda name: stop_one(cfg, name), SERVICES))
    print("[services] stopped")
    return 0


def status(cfg: stack.StackConfig) -> int:
    ok = True
    print(f"{'service':<9} {'pid':>7}  {'health':<8} detail")
    for name in SERVICES:
        pid = running_pid(cfg, name)
        healthy, detail = probe(name) if pid else (False, "not running")
        ok &= healthy
        if isinstance(detail, dict):
            checks = detail.get("checks", {})
            detail = ", ".join(f"{k} {'ok' if v.get('ok') else v.get('error')}" for k, v in checks.items())
        print(f"{name:<9} {pid or '-':>7}  {'healthy' if healthy else 'DOWN':<8} {health_url(name)}  {detail}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument("--var-dir", type=Path, default=stack.DEFAULT_VAR_DIR)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for health on `up`")
    args = parser.parse_args(argv)
    cfg = stack.StackConfig.from_env(args.var_dir)
    if args.command == "up":
        return up(cfg, args.timeout)
    if args.command == "down":
        return down(cfg)
    return status(cfg)


if __name__ == "__main__":
    sys.exit(main())
