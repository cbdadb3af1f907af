"""Bursts of concurrent requests against the live local API: answers, resets, latency.

Three servers in one local cloud process (its own process, so this client does not share its
interpreter), taking turns round by round:

- `api`: what `lending up` serves (localcloud/api_server.py: waitress, backlog 1024);
- `before`: the same app, gateway and stores served as chalice local served them (http.server,
  backlog 5), as `lending up` did before issue 13;
- `floor`: waitress answering a constant body with no app: the server and this client alone.

Two routes: cheap, `GET /v1/credit-line` (the authorizer and one GetItem; these users have a
line), and expensive, `POST /v1/loans` (a draw: reads, a conditional write, and a workflow
started, whose steps then run in the same process). Each request is a user of its own, on a
connection of its own, all released at once; a round waits for the cloud to go quiet first.
One small unmeasured burst per server and route first warms the function's lazy clients.

    .venv/bin/python bench/bench_api_burst.py [--bursts 20,50,100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "infra")]

from localcloud.client import RemoteCloud  # noqa: E402

SERVERS = ("api", "before", "floor")
DRAW = json.dumps({"amount": "50.00", "termMonths": 3, "method": "equal-installment"}).encode()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(pid: int, idle_share: float = 0.1, timeout: float = 120) -> None:
    """Until the cloud spends under `idle_share` of a core for half a second (the workflows
    the last round started have run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = process_cpu_seconds(pid)
        time.sleep(0.5)
        if process_cpu_seconds(pid) - before < 0.5 * idle_share:
            return


def open_lines(cloud: RemoteCloud, users: list[str]) -> None:
    """Lines written into the cloud's table through its moto server, as acceptance writes them."""
    import boto3

    from chalicelib.lines.dynamo import DynamoCreditLines

    table = boto3.resource(
        "dynamodb",
        endpoint_url=cloud.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ).Table(cloud.info["env"]["LENDING_TABLE"])
    lines = DynamoCreditLines(table)
    for user in users:
        lines.open_line(user, 200_000_00, Decimal("0.1080"), "B", f"app-{user}")


def burst(
    base: str, requests: list[tuple[str, str, dict[str, str], bytes]]
) -> list[tuple[Any, float]]:
    """Every request at once, each on its own connection: (status or error, seconds)."""
    url = urlparse(base)
    start = threading.Barrier(len(requests))
    out: list[tuple[Any, float]] = [(None, 0.0)] * len(requests)

    def one(i: int) -> None:
        method, path, headers, body = requests[i]
        start.wait()
        t0 = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            out[i] = (response.status, time.perf_counter() - t0)
        except OSError as exc:
            out[i] = (type(exc).__name__, time.perf_counter() - t0)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def requests_for(
    cloud: RemoteCloud, route: str, users: list[str]
) -> list[tuple[str, str, dict[str, str], bytes]]:
    out = []
    for user in users:
        headers = {"Authorization": f"Bearer {cloud.token(user)}"}
        if route == "cheap":
            out.append(("GET", "/v1/credit-line", headers, b""))
        else:
            headers |= {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            out.append(("POST", "/v1/loans", headers, DRAW))
    return out


def summarise(results: list[tuple[Any, float]]) -> dict[str, Any]:
    statuses = Counter(str(s) for s, _ in results)
    answered = [t for s, t in results if isinstance(s, int)]
    out: dict[str, Any] = {
        "sent": len(results),
        "answered": len(answered),
        "not_answered": len(results) - len(answered),
        "statuses": dict(sorted(statuses.items())),
    }
    if answered:
        out |= {
            "p50_ms": round(statistics.median(answered) * 1000, 1),
            "p90_ms": round(pct(answered, 0.90) * 1000, 1),
            "p99_ms": round(pct(answered, 0.99) * 1000, 1),
            "max_ms": round(max(answered) * 1000, 1),
        }
    return out


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--bursts", default="20,50,100")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    sizes = [int(x) for x in args.bursts.split(",")]
    cloud = RemoteCloud.spawn(bench_servers=True)
    try:
        bases = {"api": cloud.api_url, **cloud.info["benchUrls"]}
        pid = int(cloud.info["pid"])
        users = [f"burst-{i:04d}" for i in range(max(sizes))]
        open_lines(cloud, users)
        collected: dict[tuple[str, str, int], list[tuple[Any, float]]] = {}
        # Not measured: the first requests build the function's clients and adapters lazily.
        for server in SERVERS:
            for route in ("cheap", "expensive"):
                burst(bases[server], requests_for(cloud, route, users[:5]))
        for route in ("cheap", "expensive"):
            for size in sizes:
                for round_no in range(args.rounds):
                    # A different server goes first each round.
                    order = SERVERS[round_no % 3 :] + SERVERS[: round_no % 3]
                    for server in order:
                        wait_until_quiet(pid)
                        results = burst(bases[server], requests_for(cloud, route, users[:size]))
                        collected.setdefault((route, server, size), []).extend(results)
                        print(
                            f"{route:9} {server:6} {size:3} round {round_no + 1}: "
                            f"{summarise(results)}",
                            flush=True,
                        )
        rows = [
            {"route": route, "server": server, "concurrent": size, **summarise(results)}
            for (route, server, size), results in collected.items()
        ]
    finally:
        cloud.stop()
    print()
    header = (
        f"{'route':9} {'server':6} {'conc':>4} {'sent':>5} {'answered':>8} {'resets':>6} "
        f"{'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}  statuses"
    )
    print(header)
    for r in sorted(rows, key=lambda r: (r["route"], r["concurrent"], SERVERS.index(r["server"]))):
        print(
            f"{r['route']:9} {r['server']:6} {r['concurrent']:4} {r['sent']:5} {r['answered']:8} "
            f"{r['not_answered']:6} {r.get('p50_ms', '-'):>8} {r.get('p90_ms', '-'):>8} "
            f"{r.get('p99_ms', '-'):>8} {r.get('max_ms', '-'):>8}  {r['statuses']}"
        )
    out = args.out or ROOT / "bench" / "results" / f"api-burst-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps({"rounds": args.rounds, "rows": rows}, indent=1))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
