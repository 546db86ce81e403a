"""Apache Kafka for the embedded stack: one KRaft node (broker and controller) on loopback.

Its jars come from Maven Central (``org.apache.kafka:kafka_2.13`` and its runtime dependencies,
plus a log4j binding for slf4j), copied once by ``mvn dependency:copy-dependencies`` into
``~/.cache/reelflow/apache-kafka-<version>/libs`` and reused by every later start. The log
directory is ``<var>/data/kafka``, formatted by ``kafka.tools.StorageTool`` before the first
start; ``server.properties`` and ``log4j2.properties`` are written to ``<var>/run`` on each start.

Needs ``java`` (17+) and ``mvn`` on PATH; ``missing_tools()`` says what is absent.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import shutil
import subprocess
import uuid
from pathlib import Path

KAFKA_VERSION = os.environ.get("REELFLOW_STACK_APACHE_KAFKA_VERSION", "4.1.1")
LOG4J_VERSION = "2.24.3"  # the log4j Kafka 4.1 is built against; binds its slf4j 1.7 logging
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
JVM_OPTIONS = ("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true")
RESOLVE_TIMEOUT_S = 600.0

# Settings for a single-node development broker. Group and transaction coordinators would
# otherwise wait for 3 replicas or 50 partitions; the short minimum session timeout admits the
# kit's 2 s consumer sessions (Apache Kafka's default floor is 6 s).
_BROKER_SETTINGS = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "auto.create.topics.enable": "true",
    "num.partitions": "1",
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "4",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "4",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "share.coordinator.state.topic.num.partitions": "1",
    "group.initial.rebalance.delay.ms": "0",
    "group.min.session.timeout.ms": "500",
    "num.network.threads": "2",
    "num.io.threads": "4",
    "background.threads": "4",
    "num.recovery.threads.per.data.dir": "1",
    "log.cleaner.threads": "1",
    "log.cleaner.dedupe.buffer.size": "16777216",
}

_LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""


def missing_tools() -> list[str]:
    """The programs Apache Kafka needs here that are not on PATH (empty when it can run)."""
    return [tool for tool in ("java", "mvn") if shutil.which(tool) is None]


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "reelflow" / f"apache-kafka-{KAFKA_VERSION}"


def _pom() -> str:
    def dependency(group: str, artifact: str, version: str) -> str:
        return (
            f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
            f"<version>{version}</version></dependency>"
        )

    return f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>reelflow.embedded</groupId>
  <artifactId>apache-kafka-runtime</artifactId>
  <version>{KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    {dependency("org.apache.kafka", "kafka_2.13", KAFKA_VERSION)}
    {dependency("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION)}
  </dependencies>
</project>
"""


def resolve_jars(say=print) -> list[Path]:
    """The broker's jars, resolved by Maven on first use (about 20 s and 43 MB), then cached.

    A lock file keeps two processes from resolving into the same cache at once.
    """
    root = cache_dir()
    libs = root / "libs"
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "complete").is_file():
            say(f"resolving Apache Kafka {KAFKA_VERSION} jars with Maven into {libs} (once)")
            _copy_dependencies(root, libs)
            (root / "complete").write_text(KAFKA_VERSION + "\n")
    jars = sorted(libs.glob("*.jar"))
    if not any(jar.name.startswith("kafka_2.13-") for jar in jars):
        raise FileNotFoundError(f"no kafka_2.13 jar in {libs}; delete {root} to resolve again")
    return jars


def _copy_dependencies(root: Path, libs: Path) -> None:
    (root / "pom.xml").write_text(_pom())
    staging = root / "libs.partial"
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [
        "mvn",
        "-B",
        "-q",
        "-f",
        str(root / "pom.xml"),
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={staging}",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=RESOLVE_TIMEOUT_S, check=False)
    (root / "mvn.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise FileNotFoundError(f"Maven could not resolve Apache Kafka {KAFKA_VERSION} ({' '.join(cmd)}):\n{tail}")
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)


def _classpath(jars: list[Path]) -> str:
    return os.pathsep.join(str(jar) for jar in jars)


def write_config(run_dir: Path, log_dir: Path, port: int, controller_port: int) -> Path:
    """``server.properties`` (and the log4j2 file next to it) for this node; returns its path."""
    settings = {
        **_BROKER_SETTINGS,
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port}",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "log.dirs": str(log_dir),
    }
    path = run_dir / "kafka-server.properties"
    path.write_text("".join(f"{key}={value}\n" for key, value in settings.items()))
    (run_dir / "kafka-log4j2.properties").write_text(_LOG4J2)
    return path


def _java(jars: list[Path], run_dir: Path, main_class: str, *args: str) -> list[str]:
    return [
        "java",
        *JVM_OPTIONS,
        f"-Dlog4j2.configurationFile={run_dir / 'kafka-log4j2.properties'}",
        "-cp",
        _classpath(jars),
        main_class,
        *args,
    ]


def new_cluster_id() -> str:
    """A random KRaft cluster id (URL-safe base64 of a UUID) that does not start with "-", which
    the storage tool would read as an option (Kafka's own `Uuid.randomUuid` avoids it the same way)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def format_storage(jars: list[Path], config: Path, log_dir: Path, log_file: Path) -> None:
    """Format the log directory for KRaft, once: a formatted one (meta.properties) is kept."""
    if (log_dir / "meta.properties").is_file():
        return
    log_dir.mkdir(parents=True, exist_ok=True)
    cluster_id = new_cluster_id()
    cmd = _java(jars, config.parent, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config))
    with open(log_file, "ab") as log:
        log.write(f"===== reelflow stack: formatting {log_dir}: {' '.join(cmd[-6:])}\n".encode())
        log.flush()
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=120, check=False).returncode
    if code != 0:
        with contextlib.suppress(FileNotFoundError):
            (log_dir / "meta.properties").unlink()
        raise RuntimeError(f"kafka.tools.StorageTool format exited with {code}")


def server_command(jars: list[Path], config: Path) -> list[str]:
    return _java(jars, config.parent, "kafka.Kafka", str(config))
