"""Integration test for the embedded infrastructure stack (deploy/embedded/stack.py).

Starts the real servers (Tansu, secantusd-rs, SeaweedFS) on free loopback ports in a temporary
var dir, so it never clashes with a running `make up` stack.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))

from embedded import stack  # noqa: E402


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie waiting to be reaped by init counts as gone
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_free_ports_are_distinct_and_leave_room_for_grpc(tmp_path):
    cfg = stack.StackConfig.with_free_ports(tmp_path / "var")
    ports = cfg.all_ports()
    assert (
        len(ports) == len(set(ports)) == 13
    )  # Kafka and its KRaft controller (used by Apache Kafka), MongoDB, and weed
    assert all(0 < p < 65536 for p in ports)
    assert cfg.kafka_storage == "memory"
    env = cfg.service_env()
    assert env["REELFLOW_KAFKA_BOOTSTRAP"] == f"127.0.0.1:{cfg.kafka_port}"
    assert env["REELFLOW_MONGO_URI"] == f"mongodb://127.0.0.1:{cfg.mongo_port}/?directConnection=true"
    assert env["REELFLOW_S3_ENDPOINT"] == f"http://127.0.0.1:{cfg.s3_port}"


def test_from_env_reads_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("REELFLOW_STACK_KAFKA_PORT", "29999")
    monkeypatch.setenv("REELFLOW_STACK_KAFKA_STORAGE", "s3")
    monkeypatch.setenv("REELFLOW_S3_ACCESS_KEY", "someone")
    cfg = stack.StackConfig.from_env(tmp_path, mongo_port=28888)
    assert (cfg.kafka_port, cfg.mongo_port, cfg.kafka_storage, cfg.s3_access_key) == (29999, 28888, "s3", "someone")
    assert stack.StackConfig.from_env(tmp_path, kafka_storage="memory").kafka_storage == "memory"


def test_stack_starts_answers_and_stops_cleanly(tmp_path):
    cfg = stack.StackConfig.with_free_ports(tmp_path / "var", kafka_storage="memory")
    t0 = time.monotonic()
    try:
        stack.start(cfg, timeout=30.0)
        elapsed = time.monotonic() - t0
        print(f"stack answering after {elapsed:.2f}s")
        assert elapsed < 20.0

        st = stack.status(cfg)
        assert set(st) == {"kafka", "mongo", "s3"}
        for server, info in st.items():
            assert info["running"], (server, info)
            assert info["answering"], (server, info)
            assert isinstance(info["pid"], int), (server, info)
        assert st["kafka"]["endpoint"] == cfg.kafka_bootstrap
        assert st["mongo"]["endpoint"] == cfg.mongo_uri
        assert st["s3"]["endpoint"] == cfg.s3_endpoint
        pids = {server: info["pid"] for server, info in st.items()}
        for server in pids:
            assert cfg.pid_file(server).is_file()

        # idempotent `up`: already-running servers are left as they are
        stack.start(cfg, timeout=30.0)
        assert {s: i["pid"] for s, i in stack.status(cfg).items()} == pids
    finally:
        stack.stop(cfg, timeout=10.0)

    for server, pid in pids.items():
        assert _pid_gone(pid), f"{server} (pid {pid}) still running after stop()"
        assert not cfg.pid_file(server).exists()
    st = stack.status(cfg)
    assert not any(info["running"] or info["answering"] for info in st.values()), st

    stack.stop(cfg)  # safe when nothing runs


def test_a_kraft_cluster_id_never_reads_as_an_option():
    from embedded.apache_kafka import new_cluster_id

    ids = [new_cluster_id() for _ in range(2000)]  # about 30 would start with "-" if drawn plainly
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)
