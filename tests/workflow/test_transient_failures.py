"""A bureau that fails now and then: the workflow retries it, bounded, and always ends visibly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from localcloud.client import RemoteCloud
from tests.workflow.helpers import apply, upload
from tests.workflow.test_origination_workflow import applicant

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def flaky_cloud() -> Iterator[RemoteCloud]:
    c = RemoteCloud.spawn(extra_env={"BUREAU_SANDBOX_FAILURE_RATE": "0.5"})
    yield c
    c.stop()


def test_bureau_outages_are_retried_and_every_application_ends_visibly(
    flaky_cloud: RemoteCloud,
) -> None:
    cloud = flaky_cloud
    sfn = cloud.boto3("stepfunctions")
    machine = cloud.info["physical"]["OriginationStateMachine"]
    retried = 0
    for i in range(4):
        a = applicant(
            f"flaky{i}",
            1000 * (i + 1),
            f"wf-flaky-{i}",
            kind="good",
            device=f"dev-flaky-{i}",
            ip=f"192.0.2.{i + 1}",
        )
        app_id = apply(cloud, a, upload(cloud, a))
        final = cloud.wait_for_status(
            a.user_id, app_id, {"APPROVED", "DECLINED", "IN_REVIEW", "FAILED"}, timeout=40
        )
        history = sfn.get_execution_history(
            executionArn=machine.replace(":stateMachine:", ":execution:") + f":{app_id}",
            maxResults=1000,
        )
        failures = [e for e in history["events"] if e["type"] == "LambdaFunctionFailed"]
        assert all(
            json.loads(e["lambdaFunctionFailedEventDetails"]["cause"])["errorType"]
            == "BureauUnavailable"
            for e in failures
        )
        retried += bool(failures)
        if final["status"] == "FAILED":
            # Four straight outages exhaust the bounded retry: a visible failure, never PENDING.
            assert len(failures) == 4 and {r["code"] for r in final["reasons"]} == {"SYSTEM_ERROR"}
        else:
            assert final["status"] == "APPROVED", json.dumps(final)
    assert retried >= 1, "with a 50% failure rate some pull must have been retried"
