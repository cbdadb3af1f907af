"""Each function's role grants exactly what its code calls, on exactly its resources.

The tour (tests/infra/tour.py, once per test run: the `tour` fixture) runs every Lambda function
in a local cloud that records the AWS calls each one makes (infra/localcloud/calls.py). What was
called must be what infra/permissions.yaml declares, and the roles `lending package` builds must
grant that and only what the platform needs to run the function (its log group, X-Ray, its
on-failure queue).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from lending_cli.stack import LOGS, XRAY, async_functions, lambda_functions
from localcloud.template import load_permissions
from tests.infra.tour import applicants

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lambda-package")]


def _called(tour: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for g in tour["grants"]:
        out[g["function"]][g["resource"]].add(g["action"])
    return out


def _declared() -> dict[str, dict[str, set[str]]]:
    return {
        fn: {res: set(actions) for res, actions in (grants or {}).items()}
        for fn, grants in load_permissions()["functions"].items()
    }


def test_every_function_ran_in_the_tour(tour: dict[str, Any], template: dict[str, Any]) -> None:
    functions = set(lambda_functions(template).values())
    assert functions - set(tour["invoked"]) == set(), "the tour must run every function"


def test_each_function_calls_exactly_what_infra_permissions_yaml_grants_it(
    tour: dict[str, Any],
) -> None:
    called, declared = _called(tour), _declared()
    problems = []
    for fn in sorted(set(called) | set(declared)):
        for res in sorted(set(called.get(fn, {})) | set(declared.get(fn, {}))):
            used = called.get(fn, {}).get(res, set())
            granted = declared.get(fn, {}).get(res, set())
            if used - granted:
                problems.append(f"{fn} calls {sorted(used - granted)} on {res}: not declared")
            if granted - used:
                problems.append(f"{fn} is granted {sorted(granted - used)} on {res}: never called")
    assert problems == [], "\n".join(problems)


def _statements(template: dict[str, Any], logical: str) -> list[dict[str, Any]]:
    role = template["Resources"][logical]["Properties"]["Role"]
    assert role == {"Fn::GetAtt": [f"{logical}Role", "Arn"]}, f"{logical} has no role of its own"
    (policy,) = template["Resources"][f"{logical}Role"]["Properties"]["Policies"]
    return list(policy["PolicyDocument"]["Statement"])


def _grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    out = set()
    for s in statements:
        assert s["Effect"] == "Allow" and "NotAction" not in s and "NotResource" not in s
        actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
        for action in actions:
            assert "*" not in action, f"wildcard action {action}"
            out.add((action, json.dumps(s["Resource"], sort_keys=True)))
    return out


def test_no_role_grants_more_than_its_functions_code_needs(template: dict[str, Any]) -> None:
    permissions = load_permissions()
    arns = permissions["resources"]
    asynchronous = async_functions(template)
    for logical, fn in lambda_functions(template).items():
        expected = {
            (action, json.dumps(arns[res], sort_keys=True))
            for res, actions in (permissions["functions"][fn] or {}).items()
            for action in actions
        }
        own_logs = json.dumps({"Fn::GetAtt": [f"{logical}LogGroup", "Arn"]}, sort_keys=True)
        expected |= {(a, own_logs) for a in LOGS} | {(a, '"*"') for a in XRAY}
        if logical in asynchronous:
            queue = json.dumps({"Fn::GetAtt": [f"{logical}FailureQueue", "Arn"]}, sort_keys=True)
            expected.add(("sqs:SendMessage", queue))
        assert _grants(_statements(template, logical)) == expected, fn
    assert "DefaultRole" not in template["Resources"], "one role shared by every function"


def test_the_authorizer_touches_no_table_and_only_the_api_resumes_reviews(
    template: dict[str, Any],
) -> None:
    functions = lambda_functions(template)
    by_name = {fn: _grants(_statements(template, logical)) for logical, fn in functions.items()}
    assert not [a for a, _ in by_name["bearer_jwt"] if a.startswith("dynamodb:")]
    resumers = {
        fn for fn, grants in by_name.items() for a, _ in grants if a.startswith("states:Send")
    }
    assert resumers == {"api_handler"}
    (resource,) = {r for a, r in by_name["api_handler"] if a == "states:SendTaskSuccess"}
    assert "stateMachine:${AWS::StackName}-origination" in resource  # the review machine only
    readers = {fn for fn, grants in by_name.items() for a, _ in grants if a == "ssm:GetParameter"}
    assert readers == {"screen_fraud"}


def test_the_functions_logs_carry_correlation_ids_and_no_personal_data(
    tour: dict[str, Any],
) -> None:
    lines = [json.loads(line) for line in tour["log"].splitlines() if line.startswith("{")]
    assert lines, "the tour's functions wrote no JSON log lines"
    step_lines = [line for line in lines if "function_name" in line]
    assert step_lines and all("correlation_id" in line for line in step_lines)
    # the key the close-of-business-late alarm's metric filter matches, as Lambda logs it
    late = [line for line in lines if line.get("close_of_business_late") == 1]
    assert [line["function_name"] for line in late] == ["check_close_of_business"]
    text = tour["log"]
    for a in applicants().values():
        for value in (a.person.name, a.person.id_number, a.person.address, a.declared_name):
            assert value not in text


def test_the_recording_sees_calls_a_function_was_not_granted(tmp_path: Path) -> None:
    """The check above can fail: a call outside the declaration is reported by name."""
    from localcloud.calls import Grant, Recorder, running

    rec = Recorder(
        patterns={"LendingTable": "arn:aws:dynamodb:us-east-1:1:table/t"},
        region="us-east-1",
        account="1",
    )
    with running("bearer_jwt"):
        rec.record("dynamodb", "PutItem", {"TableName": "t", "Item": {"secret": {"S": "x"}}})
    rec.record("dynamodb", "GetItem", {"TableName": "t"})  # outside any function: not counted
    assert rec.grants == {Grant("bearer_jwt", "dynamodb:PutItem", "LendingTable"): 1}
    rec.save(tmp_path / "calls.json")
    assert "secret" not in (tmp_path / "calls.json").read_text()
