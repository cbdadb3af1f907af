"""A Lambda execution environment as a process of its own (`-m localcloud.lambda_runtime FD`).

The local cloud starts these (`lambda_pool.py`) when asked to run its functions out of its own
process. Each runs one invocation at a time, as a Lambda container does, over the socket FD:

    parent -> ("invoke", function name, handler string, event)
    runtime -> ("aws", method, url, headers, body)   any number of times: an AWS request
    parent -> (status, headers, body)                 moto's answer, from the parent's backends
    runtime -> ("result", payload, error type or None, cpu s, cpu in AWS calls s, process cpu s)

There is no moto here. Every request our code's boto3 makes to an AWS endpoint is handed to the
parent before botocore would send it (`before-send`, where moto's own stub sits in the parent),
so there is one set of backends and one lock around each request, as before; requests to
127.0.0.1 (S3, addressed through the local cloud's server so that pre-signed URLs work) go over
HTTP as they do from the parent. What moves here is our functions' own CPU and boto3's client side
(serialising, parsing, the resource layer's transforms): on a month-end night that is about half
of the local cloud's CPU, which can now run on the second core while the parent runs moto.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit


class _Raw(io.BytesIO):
    """A response body as botocore reads one from urllib3 (what moto's stub hands it too)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def _is_aws(url: str) -> bool:
    return (urlsplit(url).hostname or "").endswith(".amazonaws.com")


class _Parent:
    """The socket to the local cloud, shared by the handler's threads (a parallel scan's
    segments): one exchange at a time, as the parent serves this process one request at a time."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def send_aws_request(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        if not _is_aws(request.url):
            return None  # botocore sends it over HTTP itself (the local cloud's server)
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        headers = [
            (k, v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()
        ]
        with self.lock:
            self.conn.send(("aws", request.method, request.url, headers, body or b""))
            status, response_headers, response_body = self.conn.recv()
        return AWSResponse(request.url, status, response_headers, _Raw(response_body))


class _AwsCpu:
    """CPU spent inside boto3 calls (the client side), per thread, summed: the bench prices a
    function's Lambda duration without it, as it did in one process (bench_cob.Meter)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.total = 0.0

    def install(self) -> None:
        from botocore.client import BaseClient

        make_api_call = BaseClient._make_api_call
        meter = self

        def timed(client: Any, operation: str, params: Any) -> Any:
            t0 = time.thread_time()
            try:
                return make_api_call(client, operation, params)
            finally:
                spent = time.thread_time() - t0
                with meter.lock:
                    meter.total += spent

        BaseClient._make_api_call = timed


def _serve(conn: Connection) -> None:
    import botocore.handlers

    from .engine import patch_client_side
    from .lambda_router import LambdaContext, handler_for

    parent = _Parent(conn)
    # Before any session exists, as moto registers its stub: every client created here has it.
    botocore.handlers.BUILTIN_HANDLERS.append(("before-send", parent.send_aws_request))
    patch_client_side()
    aws_cpu = _AwsCpu()
    aws_cpu.install()
    handlers: dict[str, Any] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the local cloud stopped
        if message[0] != "invoke":
            return
        _, name, handler_string, event = message
        cpu0, aws0 = time.process_time(), aws_cpu.total
        error_type = None
        try:
            handler = handlers.get(handler_string)
            if handler is None:
                handler = handlers[handler_string] = handler_for(handler_string)
            result = handler(event, LambdaContext(function_name=name))
            payload = json.loads(json.dumps(result))  # Lambda serialises the result
        except Exception as exc:
            error_type = type(exc).__name__
            payload = {"errorType": error_type, "errorMessage": str(exc), "stackTrace": []}
        now = time.process_time()
        conn.send(("result", payload, error_type, now - cpu0, aws_cpu.total - aws0, now))


# Every container waits on the local cloud's process (moto answers each of their requests there),
# so when the cores are short that process should get one first: containers run at a lower
# priority. Measured on 2 cores, 10,000 loans at month end with 4 containers: the engine's
# process busy 85% of the loans' Map instead of 82%, the Map 35.2 s instead of 37.5 s.
NICENESS = 10


def main(argv: list[str]) -> int:
    conn = Connection(int(argv[0]))
    os.nice(NICENESS)
    try:
        _serve(conn)
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
