"""The deployable artifacts: built by `lending package`, linted, translated, deployed into moto.

Slow (the first build downloads Lambda wheels), so it runs once per session.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lending_cli.package import LAMBDA_UNZIPPED_LIMIT, Package
from tests.infra.conftest import DEPLOY_PARAMETERS

# The group is meant to keep one build dir on one worker; the `package` fixture does not rely on it.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lambda-package")]
ROOT = Path(__file__).resolve().parents[2]


def test_the_lambda_package_fits_the_250_mb_limit(package: Package) -> None:
    assert package.unzipped_bytes < LAMBDA_UNZIPPED_LIMIT, (
        f"{package.unzipped_bytes / 2**20:.0f} MB unzipped"
    )


def test_the_model_loads_and_scores_from_the_package_alone(
    package: Package, tmp_path: Path
) -> None:
    """Lambda's view: only the package on sys.path (no site-packages), its pinned numpy/joblib."""
    with zipfile.ZipFile(package.zip_path) as z:
        z.extractall(tmp_path)
    names = {n.split("/")[0] for n in zipfile.ZipFile(package.zip_path).namelist()}
    assert {"numpy", "joblib", "chalicelib", "app.py"} <= names
    assert not {"pandas", "sklearn", "scipy"} & names
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import json, numpy; from chalicelib.scoring.scorer import Scorer;"
        "s = Scorer.load(sys.argv[1] + '/chalicelib/model');"
        "f = {k: (v[0] if isinstance(v, list) else 30) for k, v in s.feature_spec.items()};"
        "r = s.score(f); "
        "print(json.dumps({'numpy': numpy.__version__, 'pd': r.pd, 'grade': r.grade}))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-I", "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert 0 < result["pd"] < 1 and result["grade"] in {"A", "B", "C", "D", "E"}


def test_the_template_lints_clean(package: Package) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), str(package.template)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def _as_packaged(template: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` does: code and definitions uploaded, referenced by location."""
    t = copy.deepcopy(template)
    for res in t["Resources"].values():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image":
                props["ImageUri"] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/weili-ocr:latest"
            else:
                props["CodeUri"] = "s3://weili-artifacts/deployment.zip"
        if res["Type"] == "AWS::Serverless::StateMachine":
            path = (ROOT / "infra" / "build" / props.pop("DefinitionUri")).resolve()
            props["Definition"] = json.loads(path.read_text())
    return t


def _translate(template: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    class Policies:
        def load(self) -> dict[str, str]:
            return {
                "AWSLambdaBasicExecutionRole": (
                    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                )
            }

    return transform(_as_packaged(template), {}, Policies())


def _refers_to(value: Any, names: set[str]) -> bool:
    text = json.dumps(value)
    return any(f'"{n}"' in text or "${" + n in text for n in names)


def _split_api(cfn_template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """moto's CloudFormation cannot create a RestApi from an OpenAPI Body (it imports no methods),
    so the API and what hangs off it are checked through moto's own import instead."""
    resources = cfn_template["Resources"]
    # WAF's too: moto's CloudFormation skips AWS::WAFv2 types (tests/localcloud/test_limits.py
    # creates the web ACL through moto's WAFv2 API instead).
    api = {
        k: v
        for k, v in resources.items()
        if v["Type"].startswith(("AWS::ApiGateway::", "AWS::WAFv2::"))
    }
    api.update({k: v for k, v in resources.items() if k not in api and _refers_to(v, set(api))})
    rest = {**cfn_template, "Resources": {k: v for k, v in resources.items() if k not in api}}
    rest.pop("Outputs", None)
    return rest, api


MOTO_CANNOT_CREATE = {
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::Logs::MetricFilter",
    "AWS::S3::BucketPolicy",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::SNS::Subscription",
}


def _split_schedules(cfn_template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """moto's CloudFormation has no AWS::Scheduler::Schedule; the schedules are created through
    moto's EventBridge Scheduler API instead, once the stack holds what they name."""
    resources = cfn_template["Resources"]
    schedules = {k: v for k, v in resources.items() if v["Type"] == "AWS::Scheduler::Schedule"}
    rest = {k: v for k, v in resources.items() if k not in schedules}
    return {**cfn_template, "Resources": rest}, schedules


def _create_schedule(
    name: str, props: dict[str, Any], functions: dict[str, str], roles: dict[str, str]
):
    """A schedule's properties as the stack resolves them (its target and role by logical id)."""
    target = props["Target"]
    (function,) = target["Arn"]["Fn::GetAtt"][:1]
    (role,) = target["RoleArn"]["Fn::GetAtt"][:1]
    return boto3.client("scheduler", region_name="us-east-1").create_schedule(
        Name=name,
        Description=props["Description"],
        ScheduleExpression=props["ScheduleExpression"],
        ScheduleExpressionTimezone=props["ScheduleExpressionTimezone"],
        FlexibleTimeWindow=props["FlexibleTimeWindow"],
        State=props["State"],
        Target={
            "Arn": functions[function],
            "RoleArn": roles[role],
            "Input": target["Input"],
            "RetryPolicy": target["RetryPolicy"],
        },
    )


def test_every_resource_deploys_into_moto_cloudformation(
    template: dict[str, Any], package: Package
) -> None:
    cfn_template, api = _split_api(_translate(template))
    cfn_template, schedules = _split_schedules(cfn_template)
    wanted = set(cfn_template["Resources"])
    body = next(
        v["Properties"]["Body"] for v in api.values() if v["Type"] == "AWS::ApiGateway::RestApi"
    )
    with mock_aws():
        # moto imports only OpenAPI 3 and chalice writes Swagger 2, so the API is checked as
        # written:
        # every route of app.py is there, behind the JWT authorizer except the public document.
        from app import app as chalice_app

        for path, methods in chalice_app.routes.items():
            for method in methods:
                op = body["paths"][path][method.lower()]
                assert "x-amazon-apigateway-integration" in op
                if path != "/v1/openapi.json":
                    assert op.get("security") == [{"bearer_jwt": []}], (path, method)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="weili-artifacts")
        s3.upload_file(str(package.zip_path), "weili-artifacts", "deployment.zip")
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        cfn.create_stack(
            StackName="weili",
            TemplateBody=json.dumps(cfn_template),
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in DEPLOY_PARAMETERS.items()
            ],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        stack = cfn.describe_stacks(StackName="weili")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        found = {
            r["LogicalResourceId"]: r
            for r in cfn.list_stack_resources(StackName="weili")["StackResourceSummaries"]
        }
        missing = wanted - set(found)
        # moto's CloudFormation has no model for these types (cfn-lint checks them against
        # CloudFormation's schema instead): they, and only they, may be missing.
        kinds = {cfn_template["Resources"][r]["Type"] for r in missing}
        assert kinds <= MOTO_CANNOT_CREATE, sorted(missing)
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        machines = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
        assert {"weili-origination", "weili-close-of-business"} <= machines
        assert boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"]
        # the nightly schedule: Asia/Shanghai, the starter function, the schedule's own time
        physical = {k: r["PhysicalResourceId"] for k, r in found.items()}
        # (by name: moto's GetFunction cannot serialise the environment its stack resolved)
        functions = {
            k: f"arn:aws:lambda:us-east-1:123456789012:function:{v}"
            for k, v in physical.items()
            if found[k]["ResourceType"] == "AWS::Lambda::Function"
        }
        iam = boto3.client("iam", region_name="us-east-1")
        roles = {
            k: iam.get_role(RoleName=v)["Role"]["Arn"]
            for k, v in physical.items()
            if found[k]["ResourceType"] == "AWS::IAM::Role"
        }
        # the nightly start at 00:30, and the deadline's check at 06:00
        expected = {
            "CloseOfBusinessSchedule": ("weili-close-of-business", "StartCloseOfBusiness"),
            "CloseOfBusinessDeadlineSchedule": (
                "weili-close-of-business-deadline",
                "CheckCloseOfBusiness",
            ),
        }
        assert set(schedules) == set(expected)
        for logical, (name, function) in expected.items():
            _create_schedule(name, schedules[logical]["Properties"], functions, roles)
            got = boto3.client("scheduler", region_name="us-east-1").get_schedule(Name=name)
            assert got["ScheduleExpressionTimezone"] == "Asia/Shanghai"
            assert got["Target"]["Arn"] == functions[function]
            assert "<aws.scheduler.scheduled-time>" in got["Target"]["Input"]


def test_a_path_or_method_no_route_takes_is_the_same_404_problem_on_aws_as_locally(
    template: dict[str, Any],
) -> None:
    from localcloud.api_semantics import no_route_body

    cfn = _translate(template)
    api = next(r for r in cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi")
    answer = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"][
        "MISSING_AUTHENTICATION_TOKEN"
    ]
    assert answer["statusCode"] == "404"
    assert answer["responseParameters"] == {
        "gatewayresponse.header.Content-Type": "'application/problem+json'"
    }
    rendered = (
        answer["responseTemplates"]["application/json"]
        .replace("$context.httpMethod", "DELETE")
        .replace("$context.path", "/v1/nope")
    )
    assert json.loads(rendered) == json.loads(no_route_body("DELETE", "/v1/nope"))
