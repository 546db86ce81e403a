"""What the benchmarks share: a throwaway embedded stack, services as real processes, variants
measured side by side in child processes, a raw HTTP/1.1 client cheap enough not to be the
bottleneck, percentiles, and API set-up calls.

Imported by the scripts next to it (`python bench/<name>.py` puts this folder on sys.path).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy"))

PASSWORD = "bench-password"

UNLIMITED = {
    "REELFLOW_RATE_LIMIT_WRITES_PER_USER": "10000000/60s",
    "REELFLOW_RATE_LIMIT_REGISTER_PER_ADDRESS": "100000/60s",
    "REELFLOW_MAX_RUNNING_OPERATIONS_PER_USER": "100000",
    "REELFLOW_MAX_HELD_REQUESTS_PER_USER": "100000",
}
"""Gateway limits out of a bench's way: it measures the pipeline, and sends from one user and address."""


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_services(cfg, names: Sequence[str], database_prefix: str = "bench") -> tuple[list[Service], str]:
    """The services `names` (script, scene, image, gateway) as processes on the stack `cfg`, with the
    local AI, databases `<prefix>_<name>` and the gateway's limits out of the way; returns them
    and the gateway's base URL (start them with `running`)."""
    services, base = [], ""
    for name in names:
        port = free_port()
        env = {
            **cfg.service_env(),
            "REELFLOW_LOG_LEVEL": "WARNING",
            "REELFLOW_AI_PROVIDER": "local",
            "REELFLOW_MONGO_DATABASE": f"{database_prefix}_{name}",
        }
        if name == "gateway":
            env.update({**UNLIMITED, "REELFLOW_HTTP_PORT": str(port)})
            base = f"http://127.0.0.1:{port}"
        else:
            env["REELFLOW_HEALTH_PORT"] = str(port)
        services.append(
            Service(name, f"reelflow_{name}", env, f"http://127.0.0.1:{port}/healthz", cfg.log_dir / f"{name}.log")
        )
    return services, base


class Service:
    """A service as a real process (`python -m <module>`), in its own process group."""

    def __init__(self, name: str, module: str, env: dict[str, str], health_url: str, log_path: Path) -> None:
        self.name, self.module, self.env, self.health_url, self.log_path = name, module, env, health_url, log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy after {timeout:.0f}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


@contextlib.contextmanager
def embedded_stack(keep: bool = False, kafka_broker: str | None = None) -> Iterator[object]:
    """Kafka, MongoDB and S3 on free loopback ports under var/bench-<pid>/, stopped and removed
    afterwards (the logs kept with `keep`). Yields the stack's config. The broker is Tansu in
    memory, or Apache Kafka (KRaft) with `kafka_broker="apache"` or REELFLOW_STACK_KAFKA=apache."""
    from embedded import stack

    broker = kafka_broker or os.environ.get("REELFLOW_STACK_KAFKA", "tansu")
    var_dir = ROOT / "var" / f"bench-{os.getpid()}"
    shutil.rmtree(var_dir, ignore_errors=True)
    cfg = stack.StackConfig.with_free_ports(var_dir, kafka_storage="memory", kafka_broker=broker)
    print(f"[bench] starting the embedded stack ({broker}) under {var_dir}")
    stack.start(cfg)
    try:
        yield cfg
    finally:
        stack.stop(cfg)
        if keep:
            print(f"[bench] logs kept in {cfg.log_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


async def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


def add_child_arguments(parser, kinds: Sequence[str]) -> None:
    """The hidden arguments `alternate_in_children` passes: which variant, and the stack's servers."""
    parser.add_argument("--child", choices=kinds, help=argparse.SUPPRESS)
    parser.add_argument("--mongo-uri", help=argparse.SUPPRESS)
    parser.add_argument("--bootstrap", help=argparse.SUPPRESS)


def parent_or_child(args, child: Callable, measure: Callable, report: Callable) -> int:
    """In a child (`--child`): `child(args)`. Otherwise: an embedded stack, `measure(cfg, args)`
    on it, then `report(results)` once the stack is gone."""
    if args.child:
        child(args)
        return 0
    with embedded_stack() as cfg:
        results = measure(cfg, args)
    report(results)
    return 0


def alternate_in_children(
    script: str, kinds: Sequence[str], rounds: int, args_of: Callable[[str], list[str]]
) -> dict[str, list[dict]]:
    """Run `script --child KIND *args_of(KIND)` once per kind and round, each in a fresh child
    process, the order reversed every other round so that every variant sees the machine in the
    same states; returns each child's last line of output, parsed as JSON, by kind."""
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for round_ in range(rounds):
        for kind in kinds if round_ % 2 == 0 else tuple(reversed(kinds)):
            args = args_of(kind)
            print(f"[bench] round {round_ + 1}/{rounds}: {kind}", flush=True)
            out = subprocess.run(
                [sys.executable, script, "--child", kind, *args],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            )
            results[kind].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


@contextlib.contextmanager
def running(services: list[Service]) -> Iterator[list[Service]]:
    """Start the services in order (each healthy before the next); stop them in reverse."""
    started: list[Service] = []
    try:
        for service in services:
            print(f"[bench] starting {service.name} (python -m {service.module})")
            service.start()
            started.append(service)
        yield started
    finally:
        for service in reversed(started):
            service.stop()


# --------------------------------------------------------------------------- HTTP client


class HttpConnection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (cheap enough not to be the bottleneck)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.headers: dict[str, str] = {}
        """The last answer's headers, names in lower case."""

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def close(self) -> None:
        if self.writer:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader and self.writer
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        self.headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name:
                self.headers[name.decode()] = value.strip().decode()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body


def build_request(
    method: str, path: str, host: str, token: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Authorization: Bearer {token}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    elif method in ("POST", "PUT"):
        lines.append("Content-Length: 0")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


# --------------------------------------------------------------------------- numbers


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = math.ceil(pct / 100 * len(sorted_values))  # nearest-rank percentile
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]


# --------------------------------------------------------------------------- setup through the API


def api(
    base: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json_body: dict | None = None,
    form: dict | None = None,
) -> tuple[int, dict]:
    headers = {"Accept": "application/json"}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def register(base: str) -> str:
    """A new user's bearer token."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    status, body = api(base, "POST", "/api/auth/register", json_body={"email": email, "password": PASSWORD})
    assert status == 201, (status, body)
    status, body = api(base, "POST", "/api/auth/token", form={"username": email, "password": PASSWORD})
    assert status == 200, (status, body)
    return body["access_token"]


def first_write(base: str, token: str, content: str = "INT. WARM-UP - DAY\n\nReady.", timeout: float = 90) -> dict:
    """Create a script, retrying until one is applied in time (the consumer groups have joined)."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = api(
            base, "POST", "/api/scripts", token=token, json_body={"title": "warm-up", "content": content}
        )
        if status == 201:
            return body
        if time.monotonic() > deadline:
            raise RuntimeError(f"no write applied within {timeout:.0f} s: {status} {body}")
        time.sleep(1)


PLACES = ["KITCHEN", "HARBOR", "ROOFTOP", "SUBWAY CAR", "LIBRARY", "FOREST ROAD", "HOSPITAL HALL", "BAKERY"]
TIMES = ["DAY", "NIGHT", "DAWN", "DUSK"]


def screenplay(n: int, scenes: int) -> str:
    parts = ["FADE IN:\n"]
    for k in range(scenes):
        where = "INT." if k % 2 else "EXT."
        parts.append(
            f"{where} {PLACES[(n + k) % len(PLACES)]} - {TIMES[k % len(TIMES)]}\n\n"
            f"MARA crosses the room with a lantern. Rain taps the glass of scene {k + 1} in script {n}.\n\n"
            f"TOMAS waits by the door and counts the bells.\n\n"
            f"                      MARA\n          We leave before the tide turns.\n"
        )
    return "\n".join(parts) + "\nFADE OUT.\n"


async def read_events(bootstrap: str, topics: list[str], idle_s: float = 2.0) -> list:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    records = []
    try:
        assigned = []
        for topic in topics:
            partitions = consumer.partitions_for_topic(topic)
            while not partitions:
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(topic)
            assigned += [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        last = time.monotonic()
        while time.monotonic() - last < idle_s:  # Tansu's end offsets are unreliable: stop at silence
            batch = await consumer.getmany(timeout_ms=200)
            for rs in batch.values():
                records += rs
                last = time.monotonic()
    finally:
        await consumer.stop()
    return records
