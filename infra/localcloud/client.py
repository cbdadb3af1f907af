"""Talk to a local cloud running as its own process (tests, benchmarks, the demo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import requests

ROOT = Path(__file__).resolve().parents[2]


def upload_photo(slot: dict[str, Any], photo: bytes, timeout: float = 30) -> requests.Response:
    """Upload a photo as a phone does, with the slot POST /v1/documents returned: a form POST of
    its fields, the file last (S3 reads the fields up to the file)."""
    content_type = slot["uploadFields"].get("Content-Type", "application/octet-stream")
    return requests.post(
        slot["uploadUrl"],
        data=slot["uploadFields"],
        files={"file": ("id-card", photo, content_type)},
        timeout=timeout,
    )


@dataclass
class RemoteCloud:
    info: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def api_url(self) -> str:
        return str(self.info["apiUrl"])

    @property
    def endpoint(self) -> str:
        return str(self.info["awsEndpoint"])

    @classmethod
    def spawn(
        cls,
        *,
        review_timeout: int = 3600,
        extra_env: dict[str, str] | None = None,
        timeout: float = 90,
        with_floor: bool = False,
        handlers: tuple[str, ...] = (),
        record_calls: Path | None = None,
        log_to: Path | None = None,
        lose_first_responses: bool = False,
        business_date: date | None = None,
        bench_servers: bool = False,
        faults: Any = None,
        lambda_processes: int = 0,
    ) -> RemoteCloud:
        """`faults`: a localcloud.faults.FaultPlan to inject (its `log` is where the counts go).
        `lambda_processes`: run the functions in that many containers of their own
        (localcloud/lambda_pool.py)."""
        ready = Path(tempfile.mkdtemp(prefix="localcloud-")) / "ready.json"
        fault_args: list[str] = []
        if faults is not None:
            plan = ready.with_name("faults.json")
            plan.write_text(faults.to_json())
            fault_args = ["--faults", str(plan)]
        env = {**os.environ, **(extra_env or {})}
        env.pop("AWS_ENDPOINT_URL", None)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "localcloud",
                "--port",
                "0",
                "--ready-file",
                str(ready),
                "--review-timeout",
                str(review_timeout),
            ]
            + (["--with-floor"] if with_floor else [])
            + [arg for module in handlers for arg in ("--handlers", module)]
            + (["--record-calls", str(record_calls)] if record_calls else [])
            + (["--lose-first-responses"] if lose_first_responses else [])
            + (["--business-date", business_date.isoformat()] if business_date else [])
            + (["--bench-servers"] if bench_servers else [])
            + (["--lambda-processes", str(lambda_processes)] if lambda_processes else [])
            + fault_args,
            cwd=ROOT,
            env=env,
            # The functions' log lines (stdout), for a test that reads them.
            stdout=log_to.open("wb") if log_to else None,
        )
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the local cloud exited with {proc.returncode} before it was ready"
                )
            if time.monotonic() > deadline:
                proc.kill()
                raise TimeoutError("the local cloud did not become ready")
            time.sleep(0.1)
        return cls(json.loads(ready.read_text()), proc)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def token(self, user_id: str, *, ops: bool = False) -> str:
        now = int(time.time())
        claims = {
            "sub": user_id,
            "token_use": "id",
            "aud": self.info["authAudience"],
            "iss": self.info["authIssuer"],
            "iat": now,
            "exp": now + 3600,
            "groups": ["ops"] if ops else [],
        }
        return jwt.encode(claims, self.info["authLocalKey"], algorithm="HS256")

    def call(
        self,
        method: str,
        path: str,
        user: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        ops: bool = False,
    ) -> requests.Response:
        h = {"Authorization": f"Bearer {self.token(user, ops=ops)}", **(headers or {})}
        return self.session.request(method, self.api_url + path, json=body, headers=h, timeout=30)

    def boto3(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def wait_for_decision(
        self, user: str, application_id: str, timeout: float = 60
    ) -> dict[str, Any]:
        """Long-poll until the application leaves PENDING (or `timeout` passes)."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.call(
                "GET", f"/v1/applications/{application_id}?waitSeconds=10", user
            ).json()
            if body.get("status") != "PENDING" or time.monotonic() > deadline:
                return body

    def wait_for_status(
        self, user: str, application_id: str, done: set[str], timeout: float = 60
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.call("GET", f"/v1/applications/{application_id}", user).json()
            if body.get("status") in done or time.monotonic() > deadline:
                return body
            time.sleep(0.05)
