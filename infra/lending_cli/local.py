"""Running the local cloud for people: start, banner, tokens, ops calls."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

from . import state


@contextlib.contextmanager
def running(port: int = 8000, review_timeout: int = 3600) -> Iterator[Any]:
    from localcloud import engine
    from localcloud.cloud import LocalCloud

    print(
        "Starting the local cloud (moto server, Step Functions engine, DynamoDB, S3)...", flush=True
    )
    cloud = LocalCloud.start(review_timeout_seconds=review_timeout)
    try:
        cloud.serve_api(port=port)
        engine.settle_heap()
        state.save(
            {
                "apiUrl": cloud.api_url,
                "awsEndpoint": cloud.endpoint,
                "authLocalKey": cloud.env["AUTH_LOCAL_KEY"],
                "authAudience": cloud.env["AUTH_AUDIENCE"],
                "authIssuer": cloud.env["AUTH_ISSUER"],
                "table": cloud.env["LENDING_TABLE"],
            }
        )
        yield cloud
    finally:
        state.clear()
        cloud.stop()


def lending_command() -> str:
    """How to call `lending` from this shell: its name if it is on PATH, else its path."""
    import os
    import shutil
    import sys
    from pathlib import Path

    if shutil.which("lending"):
        return "lending"
    here = Path(sys.executable).with_name("lending")
    relative = os.path.relpath(here)
    return str(here) if relative.startswith("..") else relative


def print_banner(cloud: Any) -> None:
    lending = lending_command()
    print(
        f"""
Local cloud is up.
  API            {cloud.api_url}   (OpenAPI: {cloud.api_url}/v1/openapi.json)
  AWS endpoint   {cloud.endpoint}   (moto: DynamoDB, S3, Step Functions executing statemachines/*.asl.json)
  State machines {", ".join(v.rsplit(":", 1)[-1] for k, v in cloud.physical.items() if "StateMachine" in k)}
  Get a token    {lending} token USER_ID        (add --ops for the review endpoints)
  Events         {lending} events tail -f       (the notifications bus: what SMS and push receive)
  Try            curl -H "Authorization: Bearer $({lending} token u1)" {cloud.api_url}/v1/applications
""",
        flush=True,
    )


def serve_until_interrupted() -> None:
    import signal

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C, and a plain `kill` (SIGTERM) as a supervisor or a background job would send.
    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopping", flush=True)


def token_for(user_id: str, *, ops: bool = False, ttl_hours: int = 12) -> str:
    import jwt

    s = state.load()
    now = int(time.time())
    claims = {
        "sub": user_id,
        "aud": s["authAudience"],
        "iss": s["authIssuer"],
        "iat": now,
        "exp": now + ttl_hours * 3600,
        "groups": ["ops"] if ops else [],
    }
    return jwt.encode(claims, s["authLocalKey"], algorithm="HS256")


def _call(
    method: str, path: str, token: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    import requests

    s = state.load()
    r = requests.request(
        method,
        s["apiUrl"] + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    try:
        return r.status_code, r.json()
    except ValueError:
        return r.status_code, r.text


def review(action: str, application_id: str | None, note: str) -> int:
    token = token_for("ops-cli", ops=True)
    if action == "list":
        status, body = _call("GET", "/v1/ops/reviews", token)
    else:
        if not application_id:
            raise SystemExit("lending review approve|decline needs an APPLICATION_ID")
        status, body = _call(
            "POST", f"/v1/ops/reviews/{application_id}", token, {"decision": action, "note": note}
        )
    print(json.dumps(body, indent=2, ensure_ascii=False))
    return 0 if status < 400 else 1


def ledger_check() -> int:
    import os

    import boto3

    from .ledger import check_main

    s = state.load() if state.STATE_FILE.exists() else {}
    if s:
        os.environ.setdefault("AWS_ENDPOINT_URL", s["awsEndpoint"])
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    table_name = s.get("table") or os.environ["LENDING_TABLE"]
    table = boto3.resource("dynamodb").Table(table_name)
    return check_main(table)
