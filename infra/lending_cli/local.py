"""Running the local cloud for people: start, banner, tokens, ops calls."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from . import state


@contextlib.contextmanager
def running(
    port: int = 8000,
    review_timeout: int = 3600,
    business_date: date | None = None,
    lambda_processes: int = 0,
) -> Iterator[Any]:
    from localcloud import engine
    from localcloud.cloud import LocalCloud

    print(
        "Starting the local cloud (moto server, Step Functions engine, DynamoDB, S3)...", flush=True
    )
    cloud = LocalCloud.start(
        review_timeout_seconds=review_timeout,
        business_date=business_date,
        lambda_processes=lambda_processes,
    )
    try:
        cloud.serve_api(port=port)
        engine.settle_heap()
        from chalicelib import wiring

        state.save(
            {
                "apiUrl": cloud.api_url,
                "awsEndpoint": cloud.endpoint,
                "authLocalKey": cloud.env["AUTH_LOCAL_KEY"],
                "authAudience": cloud.env["AUTH_AUDIENCE"],
                "authIssuer": cloud.env["AUTH_ISSUER"],
                "table": cloud.env["LENDING_TABLE"],
                "physical": cloud.physical,
                # `lending bank` opens a card the bank has not seen as the cloud's functions do
                "railOpeningBalance": wiring.container().settings.rail_sandbox_opening_balance,
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
    machines = ", ".join(
        v.rsplit(":", 1)[-1] for k, v in cloud.physical.items() if "StateMachine" in k
    )
    token = f'"Authorization: Bearer $({lending} token u1)"'
    print(
        f"""
Local cloud is up.
  API            {cloud.api_url}   (OpenAPI: {cloud.api_url}/v1/openapi.json)
  AWS endpoint   {cloud.endpoint}
                 (moto: DynamoDB, S3, Step Functions executing statemachines/*.asl.json)
  State machines {machines}
  Get a token    {lending} token USER_ID        (add --ops for the review endpoints)
  Events         {lending} events tail -f       (the notifications bus: what SMS and push receive)
  Try            curl -H {token} {cloud.api_url}/v1/applications
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
        "token_use": "id",
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


def _aws_for(s: dict[str, Any]) -> None:
    """Point boto3 at the running local cloud's moto server (unless the shell says otherwise)."""
    import os

    if s:
        os.environ.setdefault("AWS_ENDPOINT_URL", s["awsEndpoint"])
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


def local_table() -> Any:
    """The running local cloud's lending table (SystemExit naming `lending up` if none runs)."""
    import boto3

    s = state.load()
    _aws_for(s)
    return boto3.resource("dynamodb").Table(s["table"])


def clock(action: str, value: Any) -> int:
    import boto3

    from . import clock as commands

    table = local_table()
    cloud = commands.LocalCloud.over(
        table, physical=state.load().get("physical", {}), client=boto3.client
    )
    return commands.main(cloud, action, value)


def cob(day: date, as_json: bool) -> int:
    from chalicelib.cobdays.dynamo import DynamoCobDays

    from .cob import show

    return show(DynamoCobDays(local_table()), day, as_json)


def bank(action: str, user_id: str, fen: int | None) -> int:
    from chalicelib.amounts import yuan_to_fen

    from . import bank as commands

    table = local_table()
    opening = yuan_to_fen(state.load().get("railOpeningBalance", "0"))
    return commands.main(commands.Bank.over(table, opening), action, user_id, fen)


def _table() -> Any:
    """The running local cloud's table (or LENDING_TABLE against AWS's defaults)."""
    import os

    import boto3

    s = state.load() if state.STATE_FILE.exists() else {}
    _aws_for(s)
    table_name = s.get("table") or os.environ["LENDING_TABLE"]
    return boto3.resource("dynamodb").Table(table_name)


def ledger_check() -> int:
    from .ledger import check_main

    return check_main(_table())


def resolve_stuck() -> int:
    """Finish every STUCK draw and repayment the books check finds, through the ops API (the
    same service the ops route runs on AWS), then check the books again."""
    from chalicelib.books.dynamo import check_table

    report = check_table(_table())
    if not report.stuck:
        print("nothing is stuck")
        return 0
    token = token_for("ops-cli", ops=True)
    failed = 0
    for item in (report.refs[i] for i in report.stuck):
        status, body = _call("POST", "/v1/ops/stuck/resolve", token, item)
        print(json.dumps(body, ensure_ascii=False))
        failed += status >= 400
    return 1 if failed else ledger_check()


def portfolio(as_json: bool, plot: str | None, as_of: date | None) -> int:
    """`lending portfolio report` on the running local cloud (exit 2, saying why, when it
    cannot: nothing running, a bad plot path, a day after the business date)."""
    import sys

    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.businessclock.dynamo import DynamoBusinessClock
    from chalicelib.businessclock.port import ClockNotSet
    from chalicelib.clock import business_today
    from chalicelib.reports.dynamo import DynamoLoanBook

    from . import portfolio as commands

    def refuse(why: str) -> int:
        print(f"lending portfolio report: {why}", file=sys.stderr)
        return commands.REFUSED

    if not state.STATE_FILE.exists():
        return refuse("no local cloud is running: start one with `lending up` (or `lending demo`)")
    try:
        plot_to = commands.plot_path(plot) if plot is not None else None
    except commands.Refused as exc:
        return refuse(str(exc))
    table = local_table()
    try:
        try:
            today = DynamoBusinessClock(table).today()
        except ClockNotSet:
            today = business_today()
        day = as_of or today
        if day > today:
            return refuse(
                f"--as-of {day.isoformat()} is after the business date {today.isoformat()}: "
                "the book has not got there yet"
            )
        records = list(DynamoLoanBook(table).disbursed_loans())
    except (BotoCoreError, ClientError) as exc:
        return refuse(
            f"the local cloud at {state.load().get('awsEndpoint')} does not answer ({exc}); "
            "is `lending up` still running?"
        )
    return commands.main(records, day, as_json=as_json, plot_to=plot_to)
