"""The workflow tier: our ASL files on moto's engine, in a local cloud of its own process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localcloud.client import RemoteCloud

REVIEW_TIMEOUT_SECONDS = 6
# Lambda functions the tests need and app.py does not have (yet): see the module.
TEST_HANDLERS = ("tests.workflow.cob_handlers",)


@pytest.fixture(scope="session")
def cloud() -> Iterator[RemoteCloud]:
    c = RemoteCloud.spawn(review_timeout=REVIEW_TIMEOUT_SECONDS, handlers=TEST_HANDLERS)
    yield c
    c.stop()
