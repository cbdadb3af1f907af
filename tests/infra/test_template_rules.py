"""What a production review of the built template (`lending package`) would stop on.

Each test names a rule; each rule failed on the template before issue 12.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lending_cli.stack import async_functions, lambda_functions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lambda-package")]
ROOT = Path(__file__).resolve().parents[2]
# Lambda's init phase (up to 10 s) runs before, and outside, the function's own Timeout.
INIT_SECONDS = 10


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    res = template["Resources"]
    return {logical: res[logical]["Properties"] for logical in lambda_functions(template)}


def _machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        k: v["Properties"]
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::Serverless::StateMachine"
    }


def _asl(props: dict[str, Any]) -> dict[str, Any]:
    return json.loads((ROOT / "infra" / "build" / props["DefinitionUri"]).resolve().read_text())


# --- 1. secrets ---------------------------------------------------------------------------


def test_no_function_configuration_carries_a_secret(template: dict[str, Any]) -> None:
    """Dynamic references (`{{resolve:...}}`) would put the pepper in every function's
    configuration in plain text, and `ssm-secure` is refused there by CloudFormation."""
    text = json.dumps(template)
    assert "{{resolve:" not in text
    env = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    for props in _functions(template).values():
        env |= props.get("Environment", {}).get("Variables", {})
    assert not [k for k in env if "PEPPER" in k and not k.endswith("_PARAMETER")]


# --- 3. parameters ------------------------------------------------------------------------


def test_no_parameter_has_a_placeholder_default(template: dict[str, Any]) -> None:
    params = template["Parameters"]
    for name in ("CognitoUserPoolId", "CognitoAppClientIds", "PiiPepperVersion", "PiiPepperKeyArn"):
        assert "Default" not in params[name], f"{name} must be given, not defaulted"
    for name, p in params.items():
        default = str(p.get("Default", ""))
        assert not any(w in default for w in ("POOL", "CHANGE", "placeholder", "example")), name
        if p["Type"] == "String":
            assert "AllowedPattern" in p or "AllowedValues" in p, f"{name} accepts anything"


def test_numeric_parameters_are_numbers_with_bounds(template: dict[str, Any]) -> None:
    for name, p in template["Parameters"].items():
        numeric = str(p.get("Default", "x")).replace(".", "", 1).isdigit()
        if numeric or name.endswith(("Seconds", "Days", "Threshold", "Version")):
            assert p["Type"] == "Number", name
            assert {"MinValue", "MaxValue"} <= set(p) or "AllowedValues" in p, name


# --- 4. timeouts ------------------------------------------------------------------------


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state, also inside Maps (a Distributed Map's ItemProcessor) and Parallels."""
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        inner = [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]
        for machine in filter(None, inner):
            yield from _tasks(machine["States"])


def _function_of(substitution: Any, names: dict[str, str]) -> str | None:
    """The logical id of the function a `...FunctionArn` substitution names: `!GetAtt X.Arn`,
    or an ARN built by name (a machine whose functions are not written yet) once one exists."""
    if isinstance(substitution, dict) and "Fn::GetAtt" in substitution:
        return str(substitution["Fn::GetAtt"][0])
    text = substitution.get("Fn::Sub", "") if isinstance(substitution, dict) else ""
    name = str(text).rsplit(":function:${AWS::StackName}-", 1)[-1]
    return names.get(name)


def test_every_lambda_times_out_before_its_task_gives_up_on_it(template: dict[str, Any]) -> None:
    """Otherwise a timed-out Pay Out is compensated while the Lambda may still be paying."""
    functions = _functions(template)
    names = {fn: logical for logical, fn in lambda_functions(template).items()}
    checked = 0
    for props in _machines(template).values():
        subs = props["DefinitionSubstitutions"]
        for name, state in _tasks(_asl(props)["States"]):
            if not state["Resource"].startswith("${"):
                continue  # a service integration (a Map's reader and writer are not tasks)
            logical = _function_of(subs[state["Resource"].strip("${}")], names)
            if logical is None:
                continue  # named, not deployed yet (the close-of-business skeleton)
            lam = functions[logical]["Timeout"]
            assert lam + INIT_SECONDS <= state["TimeoutSeconds"], (name, lam)
            checked += 1
    assert checked >= 20


def _worst_case_seconds(state: dict[str, Any]) -> float:
    """A Task's longest run: every attempt to its TimeoutSeconds, every retry's longest wait."""
    attempts, waited = 1, 0.0
    for r in state.get("Retry", []):
        attempts += r["MaxAttempts"]
        waited += r["MaxAttempts"] * r.get("MaxDelaySeconds", 0)
    return attempts * state.get("TimeoutSeconds", 60) + waited


def test_the_origination_machine_outlives_the_longest_review(template: dict[str, Any]) -> None:
    review = template["Parameters"]["ReviewTimeoutSeconds"]
    assert review["Type"] == "Number" and review["MinValue"] >= 60
    asl = _asl(_machines(template)["OriginationStateMachine"])
    others = sum(
        _worst_case_seconds(s)
        for s in asl["States"].values()
        if s["Type"] == "Task" and "TimeoutSecondsPath" not in s
    )
    assert review["MaxValue"] + others < asl["TimeoutSeconds"], (review["MaxValue"], others)
    assert 0 < float(review["Default"]) <= review["MaxValue"]


# --- 4. data safety -------------------------------------------------------------------------


def test_the_ledger_outlives_the_stack_and_restores_to_any_second(
    template: dict[str, Any],
) -> None:
    table = template["Resources"]["LendingTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_photos_travel_over_tls_only_and_keep_their_versions(template: dict[str, Any]) -> None:
    res = template["Resources"]
    bucket = res["DocumentsBucket"]
    assert bucket["Properties"]["VersioningConfiguration"]["Status"] == "Enabled"
    (policy,) = [r for r in res.values() if r["Type"] == "AWS::S3::BucketPolicy"]
    assert policy["Properties"]["Bucket"] == {"Ref": "DocumentsBucket"}
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "s3:*" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert any(r["Fn::Sub"].endswith("}/*") for r in deny["Resource"])  # the objects too


# --- 4. observability ---------------------------------------------------------------------


def _alarms_on(template: dict[str, Any], dimension_value: Any) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and any(d["Value"] == dimension_value for d in r["Properties"].get("Dimensions", []))
    ]


def test_every_function_logs_with_retention_traces_and_raises_alarms(
    template: dict[str, Any],
) -> None:
    res = template["Resources"]
    for logical, props in _functions(template).items():
        assert props["Tracing"] == "Active", logical
        group = res[props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        metrics = {a["MetricName"] for a in _alarms_on(template, {"Ref": logical})}
        assert metrics == {"Errors", "Throttles"}, logical


def test_asynchronous_invocations_that_fail_land_on_a_watched_queue(
    template: dict[str, Any],
) -> None:
    asynchronous = async_functions(template)
    assert asynchronous == {
        "ExtractDocument",
        "ModelDrift",
        "PublishMissedNotifications",
        "StartCloseOfBusiness",
        "CheckCloseOfBusiness",
    }
    for logical in asynchronous:
        config = template["Resources"][logical]["Properties"]["EventInvokeConfig"]
        queue = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"
        watched = _alarms_on(template, {"Fn::GetAtt": [queue, "QueueName"]})
        assert [a["MetricName"] for a in watched] == ["ApproximateNumberOfMessagesVisible"]


def test_every_machine_logs_errors_traces_and_raises_alarms(template: dict[str, Any]) -> None:
    for logical, props in _machines(template).items():
        assert props["Logging"]["Level"] == "ERROR"
        assert props["Logging"]["IncludeExecutionData"] is False
        assert props["Tracing"] == {"Enabled": True}
        metrics = {a["MetricName"] for a in _alarms_on(template, {"Ref": logical})}
        assert metrics == {"ExecutionsFailed", "ExecutionsTimedOut"}, logical


def test_the_api_traces_and_writes_access_logs_without_personal_data(
    template: dict[str, Any],
) -> None:
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True
    log = api["AccessLogSetting"]
    assert log["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "$context.requestId" in log["Format"]
    assert "sourceIp" not in log["Format"] and "userAgent" not in log["Format"]
    assert _alarms_on(template, "v1")[0]["MetricName"] == "5XXError"


def test_every_alarm_tells_the_alarm_topic(template: dict[str, Any]) -> None:
    alarms = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    assert len(alarms) > 60
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
    stuck = template["Resources"]["MoneyItemsStuckAlarm"]["Properties"]
    assert stuck["MetricName"] == "MoneyItemsStuck"


def test_a_close_of_business_not_done_by_six_raises_its_alarm(template: dict[str, Any]) -> None:
    res = template["Resources"]
    deadline = res["CloseOfBusinessDeadlineSchedule"]["Properties"]
    assert (deadline["ScheduleExpression"], deadline["ScheduleExpressionTimezone"]) == (
        "cron(0 6 * * ? *)",
        "Asia/Shanghai",
    )
    assert deadline["Target"]["Arn"] == {"Fn::GetAtt": ["CheckCloseOfBusiness", "Arn"]}
    # the check's late line (chalicelib/closing/deadline.py), counted from its own log group
    late = res["CloseOfBusinessLateFilter"]["Properties"]
    assert late["LogGroupName"] == {"Ref": "CheckCloseOfBusinessLogGroup"}
    assert late["FilterPattern"] == "{ $.close_of_business_late = 1 }"
    (metric,) = late["MetricTransformations"]
    alarm = res["CloseOfBusinessLateAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        metric["MetricNamespace"],
        metric["MetricName"],
    )
    assert alarm["Threshold"] == 1 and alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    # a night that went wrong before a morning's deploy does not roll the deploy back
    rule = res["DeploymentHealthAlarm"]["Properties"]["AlarmRule"]["Fn::Sub"]
    assert "CloseOfBusinessLateAlarm" not in rule and "MoneyItemsStuckAlarm" in rule


def test_the_outputs_name_what_an_operator_needs(template: dict[str, Any]) -> None:
    outputs = set(template["Outputs"])
    assert {
        "EndpointURL",
        "LendingTableName",
        "DocumentsBucketName",
        "OriginationStateMachineArn",
        "DisbursementStateMachineArn",
        "RepaymentStateMachineArn",
        "CloseOfBusinessStateMachineArn",
        "AlarmTopicArn",
        "TokenIssuer",
    } <= outputs
