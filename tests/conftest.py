import uuid

import pytest

from tests.support.infra import Infra, provide_infra


@pytest.fixture(scope="session")
def infra() -> Infra:
    """Real Kafka, MongoDB and S3 for the whole test session (started once, always stopped)."""
    with provide_infra() as servers:
        yield servers


@pytest.fixture
def unique() -> str:
    """A short unique suffix for names (groups, databases, script ids) so tests never collide."""
    return uuid.uuid4().hex[:10]
