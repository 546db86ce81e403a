import signal
import uuid

import pytest

from tests.support.infra import Infra, provide_infra


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    # `make test` must stop what it started even when it is stopped itself: turn SIGTERM and
    # SIGHUP into an interrupt, so pytest tears the session fixtures (servers, services) down.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)


@pytest.fixture(scope="session")
def infra() -> Infra:
    """Real Kafka, MongoDB and S3 for the whole test session (started once, always stopped)."""
    with provide_infra() as servers:
        yield servers


@pytest.fixture
def unique() -> str:
    """A short unique suffix for names (groups, databases, script ids) so tests never collide."""
    return uuid.uuid4().hex[:10]
