"""Running services as real processes, the way `make up` and production do."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.infra import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_running: set[ServiceProcess] = set()


@atexit.register
def _kill_leftovers() -> None:
    """Last resort: no service process outlives the test session, however it ended."""
    for process in list(_running):
        process.kill()


class ServiceProcess:
    def __init__(self, args: list[str], env: dict[str, str], log_path: Path, health_url: str | None = None) -> None:
        self.args = args
        self.env = env
        self.log_path = log_path
        self.health_url = health_url
        self.proc: subprocess.Popen | None = None

    def start(self) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, *self.args],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        _running.add(self)
        return self

    def wait_healthy(self, timeout: float = 30.0) -> dict:
        assert self.health_url, "no health URL"
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise AssertionError(f"process exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                response = httpx.get(self.health_url, timeout=2)
                last = response.text
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise AssertionError(f"not healthy after {timeout}s: {last}\n{self.log_tail()}")

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.proc
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"process still running after {timeout}s:\n{self.log_tail()}") from None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(15)
        _running.discard(self)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        _running.discard(self)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
