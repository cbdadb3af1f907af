"""After a deploy: a smoke test of the deployed stage, and watching its alarms.

    python -m lending_cli.release smoke --stack weili-dev
    python -m lending_cli.release watch --stack weili-dev --minutes 10

`smoke` signs in a test user at Cognito (SMOKE_USERNAME / SMOKE_PASSWORD, the app client from
the stack's parameters), uploads an invented applicant's ID card and sends one application
through to a decision. `watch` fails if the stack's deployment-health alarm (a composite of its
error, failure, STUCK and 5xx alarms) goes to ALARM within the window. The deploy workflow rolls
the stack back to the template it replaced when either fails (.github/workflows/deploy-stage.yml).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from typing import Any


def _stack(cfn: Any, name: str) -> tuple[dict[str, str], dict[str, str]]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    params = {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}
    return outputs, params


def smoke(stack_name: str, timeout: float = 120) -> int:
    import boto3
    import requests

    from demo.personas import find

    outputs, params = _stack(boto3.client("cloudformation"), stack_name)
    pool = params["CognitoUserPoolId"]
    idp = boto3.client("cognito-idp", region_name=pool.split("_")[0])
    auth = idp.initiate_auth(
        ClientId=params["CognitoAppClientIds"].split(",")[0],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={
            "USERNAME": os.environ["SMOKE_USERNAME"],
            "PASSWORD": os.environ["SMOKE_PASSWORD"],
        },
    )["AuthenticationResult"]
    api = outputs["EndpointURL"].rstrip("/")
    headers = {"Authorization": f"Bearer {auth['IdToken']}"}
    doc = requests.post(
        f"{api}/documents", json={"contentType": "image/jpeg"}, headers=headers, timeout=30
    )
    doc.raise_for_status()
    body = doc.json()
    _, person = find("good", start_seed=int(time.time()) % 100_000)
    from demo.personas import STEADY, Applicant

    applicant = Applicant("smoke", person, person.name, STEADY, "北京", "dev-smoke", "203.0.113.9")
    requests.put(
        body["uploadUrl"], data=applicant.photo(), headers=body["uploadHeaders"], timeout=30
    ).raise_for_status()
    submitted = requests.post(
        f"{api}/applications",
        json=applicant.application(body["documentId"]),
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    if submitted.status_code == 409:  # the smoke user's earlier application is still open
        print(f"smoke: {submitted.json().get('detail')}; the API answered, nothing new to decide")
        return 0
    submitted.raise_for_status()
    app_id = submitted.json()["applicationId"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = requests.get(
            f"{api}/applications/{app_id}?waitSeconds=10", headers=headers, timeout=30
        )
        got.raise_for_status()
        status = got.json()["status"]
        if status != "PENDING":
            print(f"smoke: application {app_id} decided: {status}")
            return 0 if status in {"APPROVED", "DECLINED", "IN_REVIEW"} else 1
    print(f"smoke: application {app_id} still PENDING after {timeout:.0f}s", file=sys.stderr)
    return 1


def watch(stack_name: str, minutes: float) -> int:
    import boto3

    cloudwatch = boto3.client("cloudwatch")
    name = f"{stack_name}-deployment-health"
    deadline = time.monotonic() + minutes * 60
    while True:
        alarms = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["CompositeAlarm"])
        states = [a["StateValue"] for a in alarms["CompositeAlarms"]]
        if not states:
            print(f"watch: no alarm {name}", file=sys.stderr)
            return 1
        if "ALARM" in states:
            print(f"watch: {name} is in ALARM: roll back", file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            print(f"watch: {name} stayed {states[0]} for {minutes:g} minutes")
            return 0
        time.sleep(30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lending_cli.release")
    p.add_argument("action", choices=["smoke", "watch"])
    p.add_argument("--stack", required=True)
    p.add_argument("--minutes", type=float, default=10)
    args = p.parse_args(argv)
    return smoke(args.stack) if args.action == "smoke" else watch(args.stack, args.minutes)


if __name__ == "__main__":
    sys.exit(main())
