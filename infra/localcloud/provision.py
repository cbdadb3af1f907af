"""Provision the local cloud from infra/resources.yaml: the same resources CloudFormation builds.

Intrinsics are resolved against local names; every resource type in the file must be
either created here or named in PERMISSION_ONLY (IAM-only resources moto need not hold).
A test fails if the template gains a type this module does not know.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .template import INFRA_DIR, load_globals, load_parameters, load_resources

ACCOUNT = "123456789012"
REGION = "us-east-1"
PERMISSION_ONLY = {
    "AWS::Lambda::Permission",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::S3::BucketPolicy",
}
# Watch the cloud (log groups, alarms and where they go); no code of ours calls them.
MONITORING_ONLY = {
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SQS::Queue",
}
# Served locally by the local API (localcloud/api_server.py) rather than created in moto; web
# ACLs are enforced there too (localcloud/limits.py).
SERVED_BY_CHALICE_LOCAL = {
    "AWS::Serverless::Api",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
}
# The nightly schedule: the local cloud's nights are `lending clock advance` (lending_cli/clock.py
# starts the same state machine, named by the same business date), so nothing fires on its own.
SCHEDULED_BY_THE_CLOCK = {"AWS::Scheduler::Schedule"}
CREATED = {
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::Serverless::StateMachine",
    "AWS::Serverless::Function",
    "AWS::Events::EventBus",
}

_SUB = re.compile(r"\$\{([A-Za-z0-9:._-]+)\}")


def camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass
class LocalNames:
    """How logical ids become physical names and ARNs in the local cloud."""

    stack: str
    functions: set[str]  # logical ids of our Chalice Lambda functions (VerifyIdentity, ...)
    parameters: dict[str, str] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)

    def function_name(self, logical_id: str) -> str:
        return f"{self.stack}-{camel_to_snake(logical_id)}"

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::StackName": self.stack,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.functions:
            return self.function_name(name)
        res = self.resources.get(name)
        if res is None:
            raise KeyError(f"template refers to unknown {name!r}")
        kind = res["Type"]
        if kind == "AWS::DynamoDB::Table":
            return f"{self.stack}-{name}"
        if kind == "AWS::S3::Bucket":
            props = res.get("Properties", {})
            return (
                self.resolve(props["BucketName"])
                if "BucketName" in props
                else f"{self.stack}-{name}".lower()
            )
        if kind == "AWS::Serverless::StateMachine":
            return self.get_att(name, "Arn")
        if kind == "AWS::Events::EventBus":
            return str(self.resolve(res["Properties"]["Name"]))
        raise KeyError(f"no local Ref for {name} ({kind})")

    def get_att(self, name: str, attribute: str) -> str:
        if attribute != "Arn":
            raise KeyError(f"no local GetAtt {name}.{attribute}")
        if name in self.functions:
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name(name)}"
        res = self.resources[name]
        if res["Type"] == "AWS::Serverless::StateMachine":
            sm_name = self.resolve(res["Properties"].get("Name", f"{self.stack}-{name}"))
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{sm_name}"
        if res["Type"] == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.ref(name)}"
        if res["Type"] == "AWS::Events::EventBus":
            return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{self.ref(name)}"
        raise KeyError(f"no local GetAtt {name}.Arn")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self.ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            name, attribute = value["Fn::GetAtt"]
            return self.get_att(name, attribute)
        if set(value) == {"Fn::Sub"}:
            text, local = value["Fn::Sub"], {}
            if isinstance(text, list):
                text, local = text[0], {k: str(self.resolve(v)) for k, v in text[1].items()}
            return _SUB.sub(lambda m: local.get(m.group(1)) or self._sub_var(m.group(1)), text)
        if set(value) == {"Fn::Split"}:
            sep, text = value["Fn::Split"]
            return str(self.resolve(text)).split(sep)
        if set(value) == {"Fn::Select"}:
            index, items = value["Fn::Select"]
            return self.resolve(items)[int(index)]
        if set(value) == {"Fn::Join"}:
            sep, items = value["Fn::Join"]
            return sep.join(str(i) for i in self.resolve(items))
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub_var(self, var: str) -> str:
        if var == "AWS::URLSuffix":
            return "amazonaws.com"
        if "." in var and not var.startswith("AWS::"):
            name, attribute = var.split(".", 1)
            return self.get_att(name, attribute)
        return self.ref(var)


def image_function_handlers() -> dict[str, str]:
    """Functions the template declares itself (container images): logical id -> `module.handler`,
    as the image's CMD names it."""
    out = {}
    for logical, res in load_resources().items():
        if res["Type"] == "AWS::Serverless::Function":
            out[logical] = res["Properties"]["ImageConfig"]["Command"][0]
    return out


def chalice_function_ids(app: Any) -> set[str]:
    """Logical ids chalice gives the app's Lambda functions: verify_identity -> VerifyIdentity."""
    return {"".join(p.capitalize() for p in fn.name.split("_")) for fn in app.pure_lambda_functions}


def function_environment(names: LocalNames) -> dict[str, str]:
    variables = load_globals().get("Function", {}).get("Environment", {}).get("Variables", {})
    return {k: str(names.resolve(v)) for k, v in variables.items()}


def render_definition(
    names: LocalNames,
    props: dict[str, Any],
    function_arn: str | None = None,
    overrides: dict[str, str] | None = None,
) -> str:
    """A state machine's ASL with its DefinitionSubstitutions applied, as Step Functions does.

    `function_arn`, if given, stands in for every `...FunctionArn` token and `overrides` for
    the tokens it names (the bench's floors).
    """
    overrides = overrides or {}
    subs = {
        k: overrides[k]
        if k in overrides
        else function_arn
        if function_arn and k.endswith("FunctionArn")
        else str(names.resolve(v))
        for k, v in props.get("DefinitionSubstitutions", {}).items()
    }
    definition = substitute(
        (INFRA_DIR / "build" / props["DefinitionUri"]).resolve().read_text(encoding="utf-8"), subs
    )
    json.loads(definition)  # a substitution must leave valid JSON
    return definition


def substitute(definition: str, substitutions: dict[str, str]) -> str:
    """DefinitionSubstitutions, as Step Functions applies them: plain ${Name} text replacement."""

    def repl(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in substitutions:
            raise KeyError(f"ASL token ${{{key}}} has no DefinitionSubstitution")
        return substitutions[key]

    return _SUB.sub(repl, definition)


def provision(session: Any, names: LocalNames) -> dict[str, str]:
    """Create every resource of the template in the (local) account: logical id -> physical."""
    resources = load_resources()
    names.resources = resources
    declared = load_parameters()
    defaults = {k: str(v["Default"]) for k, v in declared.items() if "Default" in v}
    names.parameters = {**defaults, **names.parameters}
    missing = sorted(set(declared) - set(names.parameters))
    if missing:
        raise RuntimeError(f"the local cloud has no value for the template parameters {missing}")
    unknown = (
        {r["Type"] for r in resources.values()}
        - CREATED
        - PERMISSION_ONLY
        - MONITORING_ONLY
        - SERVED_BY_CHALICE_LOCAL
        - SCHEDULED_BY_THE_CLOCK
    )
    if unknown:
        raise RuntimeError(f"the local cloud cannot provision {sorted(unknown)}")
    created: dict[str, str] = {}
    ddb = session.client("dynamodb")
    s3 = session.client("s3")
    sfn = session.client("stepfunctions")
    events = session.client("events")
    from .template import table_create_args

    for logical, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::DynamoDB::Table":
            table = names.ref(logical)
            ddb.create_table(**table_create_args(table, logical))
            ttl = props.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                ddb.update_time_to_live(
                    TableName=table,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["AttributeName"],
                    },
                )
            created[logical] = table
        elif res["Type"] == "AWS::Events::EventBus":
            created[logical] = events.create_event_bus(Name=names.ref(logical))["EventBusArn"]
    for logical, res in resources.items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::S3::Bucket":
            bucket = names.ref(logical)
            s3.create_bucket(Bucket=bucket)
            notif = names.resolve(props.get("NotificationConfiguration", {}))
            if notif.get("LambdaConfigurations"):
                s3.put_bucket_notification_configuration(
                    Bucket=bucket,
                    NotificationConfiguration={
                        "LambdaFunctionConfigurations": [
                            {
                                "LambdaFunctionArn": c["Function"],
                                "Events": [c["Event"]],
                                **(
                                    {
                                        "Filter": {
                                            "Key": {"FilterRules": c["Filter"]["S3Key"]["Rules"]}
                                        }
                                    }
                                    if "Filter" in c
                                    else {}
                                ),
                            }
                            for c in notif["LambdaConfigurations"]
                        ]
                    },
                )
            created[logical] = bucket
        elif res["Type"] == "AWS::Serverless::StateMachine":
            arn = sfn.create_state_machine(
                name=names.resolve(props["Name"]),
                definition=render_definition(names, props),
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/{names.stack}-{logical}Role",
            )["stateMachineArn"]
            created[logical] = arn
    return created
