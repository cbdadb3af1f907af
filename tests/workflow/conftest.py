"""The workflow tier: our ASL files executing in moto's engine, in a local cloud of its own process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud.client import RemoteCloud

REVIEW_TIMEOUT_SECONDS = 6


@pytest.fixture(scope="session")
def cloud() -> Iterator[RemoteCloud]:
    c = RemoteCloud.spawn(review_timeout=REVIEW_TIMEOUT_SECONDS)
    yield c
    c.stop()
