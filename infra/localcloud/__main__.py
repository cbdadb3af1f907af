"""`python -m localcloud --port 0 --ready-file F`: the local cloud as a process of its own.

Tests and benchmarks start it this way so that moto's global state and the patches this
process applies never meet the in-process moto of unit tests. Once serving, it writes
F (JSON: apiUrl, awsEndpoint, authLocalKey, ...) and runs until terminated.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m localcloud")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready-file", type=Path, required=True)
    p.add_argument("--review-timeout", type=int, default=3600)
    p.add_argument("--model-dir", type=Path, default=None)
    p.add_argument(
        "--with-floor",
        action="store_true",
        help="also create the no-op workflows bench/ compares against",
    )
    p.add_argument(
        "--bench-servers",
        action="store_true",
        help="also serve the API as chalice local did, and a no-op server (bench_api_burst.py)",
    )
    p.add_argument(
        "--handlers",
        action="append",
        default=[],
        metavar="MODULE",
        help="register MODULE.HANDLERS (name -> handler) as Lambda functions (tests only)",
    )
    p.add_argument(
        "--record-calls",
        type=Path,
        default=None,
        help="record each function's AWS calls; written to this file (JSON) when stopped",
    )
    p.add_argument(
        "--lose-first-responses",
        action="store_true",
        help="each function's first response to a workflow is lost, so the step is retried "
        "(tests/infra/tour.py)",
    )
    p.add_argument(
        "--business-date",
        type=date.fromisoformat,
        default=None,
        help="the business date the local cloud opens on (default: today in Asia/Shanghai)",
    )
    p.add_argument(
        "--faults",
        type=Path,
        default=None,
        metavar="PLAN.json",
        help="inject faults at every adapter as the plan says (localcloud/faults.py; chaos runs)",
    )
    p.add_argument(
        "--lambda-processes",
        type=int,
        default=0,
        metavar="N",
        help="run the functions in up to N Lambda containers of their own, one process each "
        "(localcloud/lambda_pool.py); 0, the default: in this process",
    )
    args = p.parse_args(argv)
    if args.lambda_processes < 0:
        p.error("--lambda-processes must be 0 or more")
    if args.lambda_processes and (args.faults or args.record_calls):
        p.error(
            "--faults and --record-calls hook the functions' own process: no --lambda-processes"
        )

    from . import engine
    from .cloud import DEFAULT_MODEL_DIR, LocalCloud

    cloud = LocalCloud.start(
        review_timeout_seconds=args.review_timeout,
        model_dir=args.model_dir or DEFAULT_MODEL_DIR,
        with_floor=args.with_floor,
        handler_modules=args.handlers,
        record_calls=args.record_calls is not None,
        lose_first_responses=args.lose_first_responses,
        business_date=args.business_date,
        lambda_processes=args.lambda_processes,
    )
    cloud.serve_api(port=args.port)
    injected = None
    if args.faults is not None:
        from .faults import FaultPlan, install

        injected = install(cloud.router, FaultPlan.from_json(args.faults.read_text()))
    engine.settle_heap()
    info = {
        "apiUrl": cloud.api_url,
        "awsEndpoint": cloud.endpoint,
        "authLocalKey": cloud.env["AUTH_LOCAL_KEY"],
        "authAudience": cloud.env["AUTH_AUDIENCE"],
        "authIssuer": cloud.env["AUTH_ISSUER"],
        "env": cloud.env,
        "physical": cloud.physical,
        "pid": os.getpid(),
        "lambdaProcesses": args.lambda_processes,
    }
    if args.bench_servers:
        from .bench_servers import serve_bench_servers

        info["benchUrls"] = serve_bench_servers(cloud)
    tmp = args.ready_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(info))
    tmp.replace(args.ready_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    if injected is not None:
        injected.stop()
    cloud.stop()
    if args.record_calls is not None:
        from .calls import recorder

        rec = recorder()
        assert rec is not None
        rec.save(args.record_calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
