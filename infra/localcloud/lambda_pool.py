"""Lambda containers as processes: the local cloud's functions on more than one core.

In one process the local cloud's CPU is one queue: moto's DynamoDB, botocore's client side and
our functions all wait for the same interpreter (a 100,000-loan month-end night was ~8.5 ms of
CPU a loan, 850 s, on one core of two). On AWS the functions run in their own containers and
DynamoDB is a service; here a pool of runtime processes (`lambda_runtime.py`) runs the
functions, and this process keeps moto, the Step Functions engine and the API, and answers each
runtime's AWS requests from its backends in the thread that invoked the runtime.

As on Lambda:
- a container runs one invocation at a time; a new one starts when all are busy, up to `size`
  (Lambda's concurrency), after which an invocation waits for one to be free;
- a container that dies mid-invocation fails it with `Runtime.ExitError` and is replaced by the
  next start (its writes so far stay written, as on AWS);
- containers start with the functions' environment as it is at their start (a container does not
  see a later change of its function's configuration until it is replaced).

What stays in this process: functions registered as Python objects (tests' handlers, the
bench's no-op floor), and runs that hook into the functions' own process (`--record-calls`,
`--faults`), which the local cloud refuses to combine with a pool.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from botocore.awsrequest import AWSPreparedRequest
from botocore.compat import HTTPHeaders

# (function name, X-Amz-Target or URL, request body, response body), for each AWS request a
# runtime makes: what bench/ meters per function.
RequestObserver = Callable[[str, str, bytes, bytes], None]


class ContainerDied(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    payload: Any
    error_type: str | None
    cpu_s: float  # the invocation's CPU in its container
    cpu_in_aws_calls_s: float  # ... of which inside boto3 calls (the client side)


def answer(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> tuple[Any, ...]:
    """A runtime's AWS request, answered by this process's moto as its in-process stub answers
    one of ours (engine patches 7 and 18 included)."""
    from moto.core.models import botocore_stubber

    prepared_headers = HTTPHeaders()
    for k, v in headers:
        prepared_headers[k] = v
    request = AWSPreparedRequest(
        method=method, url=url, headers=prepared_headers, body=body, stream_output=False
    )
    response = botocore_stubber.process_request(request)
    if response is None:
        return 501, {}, f"the local cloud serves no AWS endpoint at {url}".encode()
    status, response_headers, response_body = response
    if isinstance(response_body, str):
        response_body = response_body.encode()
    return status, {str(k): str(v) for k, v in dict(response_headers).items()}, response_body


class _Container:
    def __init__(self, env: dict[str, str]) -> None:
        mine, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "localcloud.lambda_runtime", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
        )
        theirs.close()
        self.conn = Connection(mine.detach())
        self.process_cpu_s = 0.0

    def invoke(
        self,
        name: str,
        handler_string: str,
        event: Any,
        observers: list[RequestObserver],
    ) -> Outcome:
        try:
            self.conn.send(("invoke", name, handler_string, event))
            while True:
                message = self.conn.recv()
                if message[0] == "aws":
                    _, method, url, headers, body = message
                    status, response_headers, response_body = answer(method, url, headers, body)
                    self.conn.send((status, response_headers, response_body))
                    if observers:
                        what = dict(headers).get("X-Amz-Target") or url
                        for observe in observers:
                            observe(name, what, body, response_body)
                    continue
                _, payload, error_type, cpu, cpu_in_aws, process_cpu = message
                self.process_cpu_s = process_cpu
                return Outcome(payload, error_type, cpu, cpu_in_aws)
        except (EOFError, OSError) as exc:
            raise ContainerDied(str(exc) or type(exc).__name__) from None

    def stop(self) -> None:
        try:
            self.conn.send(("stop",))
        except OSError:
            pass
        self.conn.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class LambdaPool:
    """Up to `size` containers, started as invocations need them."""

    def __init__(self, size: int, env: dict[str, str] | None = None) -> None:
        if size < 1:
            raise ValueError("a Lambda pool needs at least one container")
        self.size = size
        self._env = env
        # Idle containers, and None for a place a dead container left (a waiter starts one).
        self._idle: queue.SimpleQueue[_Container | None] = queue.SimpleQueue()
        self._all: list[_Container] = []
        self._lock = threading.Lock()
        self._stopped = False
        self.observers: list[RequestObserver] = []
        self.dead_cpu_s = 0.0  # CPU of containers that died, as last reported

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ if self._env is None else self._env)
        # The runtime imports what this process imported: localcloud and the functions' app.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        return env

    def _take(self) -> _Container:
        while True:
            try:
                got = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    if self._stopped:
                        raise RuntimeError("the Lambda pool is stopped") from None
                    if len(self._all) < self.size:
                        container = _Container(self._environment())
                        self._all.append(container)
                        return container
                got = self._idle.get()
            if got is not None:
                return got

    def invoke(self, name: str, handler_string: str, event: Any) -> Outcome:
        container = self._take()
        try:
            outcome = container.invoke(name, handler_string, event, self.observers)
        except ContainerDied as died:
            with self._lock:
                if container in self._all:
                    self._all.remove(container)
                    self.dead_cpu_s += container.process_cpu_s
            container.stop()
            self._idle.put(None)  # its place is free: an invocation waiting for one starts one
            error = "Runtime.ExitError"  # as Lambda reports a runtime that exited
            message = f"RequestId: local Error: Runtime exited ({died})"
            return Outcome({"errorType": error, "errorMessage": message}, error, 0.0, 0.0)
        self._idle.put(container)
        return outcome

    def cpu_seconds(self) -> float:
        """The containers' CPU so far, as each last reported it (at the end of an invocation)."""
        with self._lock:
            return self.dead_cpu_s + sum(c.process_cpu_s for c in self._all)

    def containers(self) -> int:
        with self._lock:
            return len(self._all)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            containers, self._all = self._all, []
        for container in containers:
            container.stop()
