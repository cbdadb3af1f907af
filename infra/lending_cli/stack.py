"""What every function and every state machine gets alike, added to chalice's template.

chalice writes one shared role for all its functions (`DefaultRole`) and nothing to watch
them by. `finish()` gives each Lambda function, chalice's and the template's own alike:

- its own role: exactly the grants infra/permissions.yaml declares for it (checked against
  the calls its code makes by tests/infra/test_least_privilege.py), plus what the platform
  needs to run it: writing its own log group, sending X-Ray segments, and, when it is invoked
  asynchronously, putting a failed event on its own queue;
- its log group, with the stack's retention, named in its LoggingConfig;
- active X-Ray tracing;
- alarms on its errors and throttles, and a metric filter counting STUCK money items;
- when invoked asynchronously (a schedule, an S3 notification): an on-failure queue and an
  alarm on its depth;

and each state machine logging at ERROR to its own log group, tracing, and alarms on failed
and timed-out executions. A new function or machine gets all of this by existing; a function
without an entry in infra/permissions.yaml is refused.
"""

from __future__ import annotations

import re
from typing import Any

from localcloud.template import load_permissions

LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"]
XRAY = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
# Events a function is invoked by asynchronously (Lambda retries, then gives up on them).
ASYNC_EVENTS = {"Schedule", "ScheduleV2", "S3", "SNS", "CloudWatchEvent", "EventBridgeRule"}
STUCK_METRIC = "MoneyItemsStuck"
# The close of business's deadline (chalicelib/closing/deadline.py): the function that checks
# it at 06:00, and what its late line is counted as.
DEADLINE_FUNCTION = "check_close_of_business"
LATE_METRIC = "CloseOfBusinessLate"
# Logs and failed-event queues go with the stack, said so explicitly (cfn-lint I3011); what
# must outlive it, the ledger and the photos, is Retain in infra/resources.yaml.
GOES_WITH_THE_STACK = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}


class PackageError(Exception):
    pass


def function_name(logical_id: str) -> str:
    """chalice's name of a function from its logical id: VerifyIdentity -> verify_identity."""
    if logical_id == "APIHandler":
        return "api_handler"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id).lower()


def lambda_functions(template: dict[str, Any]) -> dict[str, str]:
    """Logical id -> function name, for every Lambda function in the template."""
    return {
        logical: function_name(logical)
        for logical, res in template["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }


def async_functions(template: dict[str, Any]) -> set[str]:
    """Functions something invokes asynchronously: event sources, S3 notifications and
    EventBridge Scheduler's schedules (it invokes a Lambda target asynchronously)."""
    resources = template["Resources"]
    out = set()
    for logical, res in resources.items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        events = res["Properties"].get("Events") or {}
        if any(e.get("Type") in ASYNC_EVENTS for e in events.values()):
            out.add(logical)
    for res in resources.values():
        if res["Type"] == "AWS::Scheduler::Schedule":
            target = res["Properties"]["Target"]["Arn"]
            if isinstance(target, dict) and "Fn::GetAtt" in target:
                out.add(target["Fn::GetAtt"][0])
        if res["Type"] == "AWS::S3::Bucket":
            notifications = res.get("Properties", {}).get("NotificationConfiguration", {})
            for config in notifications.get("LambdaConfigurations", []):
                target = config["Function"]
                if isinstance(target, dict) and "Fn::GetAtt" in target:
                    out.add(target["Fn::GetAtt"][0])
    return out


def declared_statements(name: str, permissions: dict[str, Any]) -> list[dict[str, Any]]:
    """One statement per resource, from the function's entry in infra/permissions.yaml."""
    grants = permissions["functions"][name] or {}
    arns = permissions["resources"]
    statements = []
    for resource in sorted(grants):
        if resource not in arns:
            raise PackageError(f"infra/permissions.yaml: {name} names unknown resource {resource}")
        statements.append(
            {
                "Sid": re.sub(r"[^A-Za-z0-9]", "", resource),
                "Effect": "Allow",
                "Action": sorted(grants[resource]),
                "Resource": arns[resource],
            }
        )
    return statements


def platform_statements(logical: str, is_async: bool) -> list[dict[str, Any]]:
    """What Lambda itself does with the function's role: its logs, its traces, its failures."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": LOGS,
            "Resource": {"Fn::GetAtt": [f"{logical}LogGroup", "Arn"]},
        },
        # X-Ray's write actions take no resource: "*" is the only form IAM accepts.
        {"Sid": "Tracing", "Effect": "Allow", "Action": XRAY, "Resource": "*"},
    ]
    if is_async:
        statements.append(
            {
                "Sid": "OnFailureQueue",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": {"Fn::GetAtt": [f"{logical}FailureQueue", "Arn"]},
            }
        )
    return statements


def _alarm(
    name: str, description: str, namespace: str, metric: str, dimensions: list[Any], **extra: Any
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": "${AWS::StackName}-" + name},
            "AlarmDescription": description + " (docs/deploy.md#alarms)",
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
            **extra,
        },
    }


def _finish_function(
    resources: dict[str, Any], logical: str, name: str, is_async: bool, permissions: dict[str, Any]
) -> None:
    props = resources[logical]["Properties"]
    props["Role"] = {"Fn::GetAtt": [f"{logical}Role", "Arn"]}
    props["Tracing"] = "Active"
    props["LoggingConfig"] = {"LogFormat": "Text", "LogGroup": {"Ref": f"{logical}LogGroup"}}
    resources[f"{logical}LogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        **GOES_WITH_THE_STACK,
        "Properties": {
            "LogGroupName": {"Fn::Sub": "/aws/lambda/${AWS::StackName}/" + name},
            "RetentionInDays": {"Ref": "LogRetentionDays"},
        },
    }
    resources[f"{logical}Role"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Description": f"{name}: what its code calls (infra/permissions.yaml), no more",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": name,
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": declared_statements(name, permissions)
                        + platform_statements(logical, is_async),
                    },
                }
            ],
        },
    }
    dims = [{"Name": "FunctionName", "Value": {"Ref": logical}}]
    resources[f"{logical}ErrorsAlarm"] = _alarm(
        f"{name}-errors",
        f"{name} failed more often than the threshold in 5 minutes",
        "AWS/Lambda",
        "Errors",
        dims,
        Threshold={"Ref": "LambdaErrorsThreshold"},
    )
    resources[f"{logical}ThrottlesAlarm"] = _alarm(
        f"{name}-throttles",
        f"{name} was throttled (account or reserved concurrency reached)",
        "AWS/Lambda",
        "Throttles",
        dims,
    )
    resources[f"{logical}StuckFilter"] = {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": {"Ref": f"{logical}LogGroup"},
            # chalicelib/observability.py writes this key when a money step ends STUCK.
            "FilterPattern": "{ $.money_item_stuck = 1 }",
            "MetricTransformations": [
                {
                    "MetricNamespace": {"Fn::Sub": "Weili/${AWS::StackName}"},
                    "MetricName": STUCK_METRIC,
                    "MetricValue": "1",
                    "DefaultValue": 0,
                }
            ],
        },
    }
    if is_async:
        resources[f"{logical}FailureQueue"] = {
            "Type": "AWS::SQS::Queue",
            **GOES_WITH_THE_STACK,
            "Properties": {
                "QueueName": {"Fn::Sub": "${AWS::StackName}-" + name.replace("_", "-") + "-failed"},
                "MessageRetentionPeriod": 1209600,  # 14 days: the longest SQS keeps a message
                "SqsManagedSseEnabled": True,
            },
        }
        # Two retries, then the event (ids only: an S3 key, a schedule's id) waits on the queue.
        props["EventInvokeConfig"] = {
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 21600,
            "DestinationConfig": {
                "OnFailure": {
                    "Type": "SQS",
                    "Destination": {"Fn::GetAtt": [f"{logical}FailureQueue", "Arn"]},
                }
            },
        }
        resources[f"{logical}FailuresAlarm"] = _alarm(
            f"{name}-failed-events",
            f"an asynchronous invocation of {name} failed after its retries",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            [
                {
                    "Name": "QueueName",
                    "Value": {"Fn::GetAtt": [f"{logical}FailureQueue", "QueueName"]},
                }
            ],
            Statistic="Maximum",
        )


# Log delivery to CloudWatch Logs takes no resource-level permissions ("*" only).
STATE_MACHINE_LOG_DELIVERY = [
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
]


def _finish_state_machine(resources: dict[str, Any], logical: str) -> None:
    props = resources[logical]["Properties"]
    short = function_name(logical.removesuffix("StateMachine")).replace("_", "-")
    resources[f"{logical}LogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        **GOES_WITH_THE_STACK,
        "Properties": {
            # Step Functions' own prefix keeps the log resource policy small.
            "LogGroupName": {"Fn::Sub": "/aws/vendedlogs/states/${AWS::StackName}-" + short},
            "RetentionInDays": {"Ref": "LogRetentionDays"},
        },
    }
    # Errors only, without execution data: payloads carry ids, and the history has the rest.
    log_group = {"LogGroupArn": {"Fn::GetAtt": [f"{logical}LogGroup", "Arn"]}}
    props["Logging"] = {
        "Level": "ERROR",
        "IncludeExecutionData": False,
        "Destinations": [{"CloudWatchLogsLogGroup": log_group}],
    }
    props["Tracing"] = {"Enabled": True}
    props.setdefault("Policies", []).append(
        {
            "Statement": [
                {"Effect": "Allow", "Action": STATE_MACHINE_LOG_DELIVERY, "Resource": "*"},
            ]
        }
    )
    dims = [{"Name": "StateMachineArn", "Value": {"Ref": logical}}]
    resources[f"{logical}FailedAlarm"] = _alarm(
        f"{short}-executions-failed",
        f"a {short} execution failed (its subject is recorded FAILED or STUCK)",
        "AWS/States",
        "ExecutionsFailed",
        dims,
    )
    resources[f"{logical}TimedOutAlarm"] = _alarm(
        f"{short}-executions-timed-out",
        f"a {short} execution ran past the machine's TimeoutSeconds",
        "AWS/States",
        "ExecutionsTimedOut",
        dims,
    )


def finish(template: dict[str, Any]) -> dict[str, Any]:
    """Add the per-function and per-machine resources; drop chalice's shared role."""
    permissions = load_permissions()
    resources = template["Resources"]
    functions = lambda_functions(template)
    undeclared = sorted(set(functions.values()) - set(permissions["functions"]))
    if undeclared:
        raise PackageError(
            f"no entry in infra/permissions.yaml for {undeclared}: declare what each calls"
        )
    stale = sorted(set(permissions["functions"]) - set(functions.values()))
    if stale:
        raise PackageError(f"infra/permissions.yaml names functions that do not exist: {stale}")
    asynchronous = async_functions(template)
    for logical, name in functions.items():
        _finish_function(resources, logical, name, logical in asynchronous, permissions)
    resources.pop("DefaultRole", None)
    for logical, res in list(resources.items()):
        if res["Type"] == "AWS::Serverless::StateMachine":
            _finish_state_machine(resources, logical)
    resources["MoneyItemsStuckAlarm"] = _alarm(
        "money-items-stuck",
        "a draw or repayment ended STUCK: money moved and was not booked",
        {"Fn::Sub": "Weili/${AWS::StackName}"},
        STUCK_METRIC,
        [],
    )
    _deadline_alarm(resources, functions)
    resources["DeploymentHealthAlarm"] = deployment_health(resources)
    return template


def _deadline_alarm(resources: dict[str, Any], functions: dict[str, str]) -> None:
    """The close of business not done by 06:00: the check's late line, counted and alarmed."""
    (logical,) = [k for k, name in functions.items() if name == DEADLINE_FUNCTION]
    resources["CloseOfBusinessLateFilter"] = {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": {"Ref": f"{logical}LogGroup"},
            "FilterPattern": "{ $.close_of_business_late = 1 }",
            "MetricTransformations": [
                {
                    "MetricNamespace": {"Fn::Sub": "Weili/${AWS::StackName}"},
                    "MetricName": LATE_METRIC,
                    "MetricValue": "1",
                    "DefaultValue": 0,
                }
            ],
        },
    }
    # An hour: the check runs once a day, and the alarm should still be showing when someone
    # looks after its notification.
    resources["CloseOfBusinessLateAlarm"] = _alarm(
        "close-of-business-late",
        "the business day that ended at midnight was not closed by 06:00 Asia/Shanghai",
        {"Fn::Sub": "Weili/${AWS::StackName}"},
        LATE_METRIC,
        [],
        Period=3600,
    )


def deployment_health(resources: dict[str, Any]) -> dict[str, Any]:
    """One alarm that is in ALARM when any error, failure, STUCK or 5xx alarm is: the deploy
    workflow watches it after a deploy and rolls back if it fires (lending_cli/release.py)."""
    # Not throttles (load, not a release), nor a late close of business (once a day at 06:00:
    # a deploy then would be rolled back for a night that went wrong before it).
    watched = sorted(
        logical
        for logical, res in resources.items()
        if res["Type"] == "AWS::CloudWatch::Alarm"
        and not logical.endswith("ThrottlesAlarm")
        and logical != "CloseOfBusinessLateAlarm"
    )
    rule = " OR ".join(f'ALARM("${{{logical}.Arn}}")' for logical in watched)
    return {
        "Type": "AWS::CloudWatch::CompositeAlarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": "${AWS::StackName}-deployment-health"},
            "AlarmDescription": "any error, failed execution, STUCK item or 5xx alarm "
            "(docs/deploy.md#alarms)",
            "AlarmRule": {"Fn::Sub": rule},
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    }
