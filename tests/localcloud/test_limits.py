"""The abuse limits: declared once in infra/resources.yaml, enforced locally as AWS would."""

from __future__ import annotations

import json

import pytest

from localcloud.limits import ApiLimits, SlidingWindow, TokenBucket
from localcloud.provision import LocalNames
from localcloud.template import load_parameters, load_resources


@pytest.fixture(scope="module")
def limits() -> ApiLimits:
    names = LocalNames(stack="weili-local", functions=set())
    names.resources = load_resources()
    names.parameters = {
        k: str(v["Default"]) for k, v in load_parameters().items() if "Default" in v
    }
    return ApiLimits.from_template(names.resources, names.resolve)


def test_the_local_api_enforces_the_numbers_the_template_declares(limits: ApiLimits) -> None:
    params = {k: v["Default"] for k, v in load_parameters().items() if "Default" in v}
    assert limits.stage is not None
    assert (limits.stage.rate, limits.stage.burst) == (
        params["ApiThrottleRate"],
        params["ApiThrottleBurst"],
    )
    (caller,) = limits.callers  # the per-address rule is AWS's alone (see limits.py)
    assert caller.header == "authorization"
    assert (caller.counter.limit, caller.counter.window) == (
        params["CallerRequestLimit"],
        params["CallerWindowSeconds"],
    )


def test_a_refusal_is_a_429_problem_with_retry_after(limits: ApiLimits) -> None:
    for refusal in (limits.stage_refusal, limits.callers[0].refusal):
        assert refusal is not None and refusal.status == 429
        assert int(refusal.headers["Retry-After"]) >= 1
        body = json.loads(refusal.body)
        assert body["status"] == 429 and body["type"].endswith("/too-many-requests")
        assert refusal.headers["Content-Type"] in ("application/problem+json", "application/json")


def test_one_caller_over_its_limit_is_refused_and_others_are_not() -> None:
    limits = ApiLimits.from_template(load_resources(), _resolved(CallerRequestLimit="10"))
    alice, bob = {"authorization": "Bearer alice"}, {"authorization": "Bearer bob"}
    now = 1000.0
    assert [limits.admit(alice, now + i / 100) for i in range(10)] == [None] * 10
    assert limits.admit(alice, now + 0.2) is not None
    assert limits.admit(bob, now + 0.2) is None
    assert limits.admit({}, now + 0.2) is None  # no token, no caller key: not counted
    # the window slides: a minute after the first request, one more is taken
    assert limits.admit(alice, now + 60.005) is None
    assert limits.admit(alice, now + 60.006) is not None


def test_the_stage_bucket_takes_a_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    assert [bucket.take(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.take(0.05) is False  # half a token
    assert bucket.take(0.1) is True
    assert [bucket.take(100.0) for _ in range(6)] == [True] * 5 + [False]  # never above burst


def test_quiet_callers_are_forgotten() -> None:
    window = SlidingWindow(limit=2, window=60)
    for i in range(100):
        window.take(f"token-{i}", float(i))
    window.take("late", 1000.0)
    assert set(window._seen) == {"late"}


def _resolved(**parameters: str):  # type: ignore[no-untyped-def]
    names = LocalNames(stack="weili-local", functions=set())
    names.resources = load_resources()
    names.parameters = {
        k: str(v["Default"]) for k, v in load_parameters().items() if "Default" in v
    } | parameters
    return names.resolve


def test_the_openapi_document_states_the_callers_limit() -> None:
    from chalicelib.api.openapi import TOO_MANY

    params = {k: v["Default"] for k, v in load_parameters().items() if "Default" in v}
    assert params["CallerWindowSeconds"] == 60
    assert f"over {params['CallerRequestLimit']} a minute" in TOO_MANY["description"]


INTEGERS = {"Limit", "EvaluationWindowSec", "Priority", "ResponseCode"}


def _as_api_call(value):  # type: ignore[no-untyped-def]
    """Template properties as WAFv2's API takes them (CloudFormation turns "120" into 120)."""
    if isinstance(value, dict):
        return {k: int(v) if k in INTEGERS else _as_api_call(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_api_call(v) for v in value]
    return value


def test_the_web_acl_is_one_wafv2_takes(moto_aws: None) -> None:
    # botocore checks every field's name and type against WAFv2's model before moto sees it.
    import boto3

    props = _resolved()(load_resources()["ApiLimits"]["Properties"])
    waf = boto3.client("wafv2", region_name="us-east-1")
    created = waf.create_web_acl(**_as_api_call(props))["Summary"]
    acl = waf.get_web_acl(Name=created["Name"], Scope="REGIONAL", Id=created["Id"])["WebACL"]
    assert [r["Name"] for r in acl["Rules"]] == ["per-caller", "per-address"]
