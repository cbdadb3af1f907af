"""Patches that turn moto's server into our local cloud, applied once per process.

1. moto's Step Functions engine builds a new boto3 client for every Task state; on a
   7-step workflow that alone cost ~420 ms of a ~570 ms p50. Clients are thread-safe,
   so one per (region, service) is reused.
2. It parses the whole definition with ANTLR for every execution (~400 ms of CPU for our
   origination workflow) and builds a new JSONPath (yacc) parser for every path it
   evaluates. Definitions and paths are immutable, so both are parsed once and cached.
3. Its Lambda calls go to `InProcessLambda` instead of moto's Docker-backed Lambda.
4. S3 event notifications to a Lambda ARN go to the same router, asynchronously, as on AWS.
5. moto's DynamoDB backend is not thread-safe: `transact_write_items` deep-copies the whole
   table as a backup and restores it when a condition fails, discarding writes other threads
   made meanwhile (and the copy itself can fail with "dictionary changed size during
   iteration"). With 50 concurrent draws that lent ¥11,500 on a ¥10,000 line. DynamoDB makes
   each item write atomic and transactions serializable, so the backend's item operations
   run one at a time here, and reads hand back copies: moto serialises an item to JSON after
   the backend returns it, while another thread's update may be changing that very object.

None of this changes what the engine does with a definition; tests/workflow runs our
ASL files through it and checks the outcomes.
"""

from __future__ import annotations

import copy
import functools
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .lambda_router import InProcessLambda

log = logging.getLogger("localcloud.engine")

_lock = threading.Lock()
_router: InProcessLambda | None = None
_installed = False
_s3_events = ThreadPoolExecutor(max_workers=2, thread_name_prefix="s3-event")


def install(router: InProcessLambda) -> None:
    """Route Lambda to `router`, reuse clients, cache parses. Later calls only swap the router."""
    global _router, _installed
    with _lock:
        _router = router
        if _installed:
            return
        _patch_clients()
        _patch_parsing()
        _patch_s3_notifications()
        _patch_dynamodb_atomicity()
        _installed = True


def _patch_clients() -> None:
    # Patch the source module first, so engine modules imported later bind the patched
    # function; then rebind it in the ones already imported.
    from moto.stepfunctions.parser.asl.utils import boto_client as bc

    original = bc.boto_client_for
    clients: dict[tuple[str, str], Any] = {}

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        if service == "lambda":
            assert _router is not None
            return _router
        key = (region, service)
        client = clients.get(key)
        if client is None:
            with _lock:
                client = clients.get(key) or original(region, service, state_credentials)
                clients[key] = client
        return client

    bc.boto_client_for = boto_client_for
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and hasattr(module, "boto_client_for"):
            setattr(module, "boto_client_for", boto_client_for)


def _patch_parsing() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils import json_path
    from moto.stepfunctions.parser.backend import execution_worker

    @functools.lru_cache(maxsize=256)
    def parse_program(definition: str) -> Any:
        return AmazonStateLanguageParser.parse(definition)[0]

    def entrypoint(self: Any) -> Any:
        return parse_program(self._evaluation_details.state_machine_details.definition)

    execution_worker.ExecutionWorker._get_evaluation_entrypoint = entrypoint
    json_path.parse = functools.lru_cache(maxsize=4096)(json_path.parse)
    result_path.parse = functools.lru_cache(maxsize=4096)(result_path.parse)


def _patch_s3_notifications() -> None:
    import moto.s3.notifications as s3n

    def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        router = _router
        if router is not None:
            # S3 invokes Lambda asynchronously; the PUT must not wait for OCR.
            _s3_events.submit(router.call, fn_arn, event_body)

    s3n._invoke_awslambda = _invoke_awslambda


def enable_state_machine_execution() -> None:
    """Switch moto's Step Functions from 'record only' to executing the ASL."""
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True


def _patch_dynamodb_atomicity() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    one_at_a_time = threading.RLock()  # re-entrant: a transaction calls get_item inside

    def serialised(method: Any, reads: bool) -> Any:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> Any:
            with one_at_a_time:
                result = method(*args, **kwargs)
                return copy.deepcopy(result) if reads else result

        return run

    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        setattr(DynamoDBBackend, name, serialised(getattr(DynamoDBBackend, name), reads=False))
    for name in ("get_item", "query", "scan"):
        setattr(DynamoDBBackend, name, serialised(getattr(DynamoDBBackend, name), reads=True))
