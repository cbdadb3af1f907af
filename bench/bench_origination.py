"""Time from POST /v1/applications to a visible decision, on the live local cloud.

Side by side with the engine's floor: the same origination ASL with every function
replaced by a no-op, started through Step Functions directly. Both run at the same
concurrency, in alternating rounds, against one local cloud process (its own process, so
this client does not share its interpreter).

    .venv/bin/python bench/bench_origination.py [--applications 200] [--concurrency 4]

OCR per photo is reported separately: it runs when the photo lands, before the applicant
submits, so it is not part of the decision time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "infra")]

from demo.idcard import fake_person  # noqa: E402
from demo.personas import CITIES, STEADY, Applicant  # noqa: E402
from localcloud.client import RemoteCloud, upload_photo  # noqa: E402

DECIDED = {"APPROVED", "DECLINED", "IN_REVIEW", "FAILED"}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of the local cloud process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(name: str, lat: list[float], wall: float, cpu: float) -> dict[str, Any]:
    return {
        "name": name,
        "n": len(lat),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p90_ms": round(pct(lat, 0.90) * 1000, 1),
        "p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1),
        "per_s": round(len(lat) / wall, 1),
        # The local cloud is one Python process: its CPU per decision bounds the throughput.
        "cloud_cpu_ms": round(cpu / len(lat) * 1000, 1),
    }


def make_applicants(n: int, today: dt.date) -> list[Applicant]:
    cities = list(CITIES)
    out = []
    for i in range(n):
        person = fake_person(900_000 + i, today=today, age=25 + i % 30)
        a = Applicant(
            f"bench-{i}",
            person,
            person.name,
            STEADY,
            cities[i % len(cities)],
            f"dev-bench-{i:05d}",
            f"10.{i // 250}.{i % 250}.7",
        )
        a.user_id = f"bench-user-{i:05d}"
        out.append(a)
    return out


def upload_all(cloud: RemoteCloud, applicants: list[Applicant]) -> dict[str, str]:
    docs: dict[str, str] = {}

    def one(a: Applicant) -> None:
        doc = cloud.call("POST", "/v1/documents", a.user_id, {"contentType": "image/jpeg"}).json()
        upload_photo(doc, a.photo(), timeout=60).raise_for_status()
        docs[a.user_id] = doc["documentId"]

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, applicants))
    for a in applicants:
        while (
            cloud.call("GET", f"/v1/documents/{docs[a.user_id]}", a.user_id).json()["status"]
            == "AWAITING_UPLOAD"
        ):
            time.sleep(0.2)
    return docs


def run_ours(
    cloud: RemoteCloud, batch: list[Applicant], docs: dict[str, str], concurrency: int
) -> tuple[list[float], float, list[str], list[float]]:
    """Latency from POST to the decision seen by the client (its long-poll), and from POST to
    the decision recorded (the application's updatedAt: the workflow without the poll)."""
    lat: list[float] = []
    recorded: list[float] = []
    statuses: list[str] = []
    lock = threading.Lock()
    session_local = threading.local()

    def one(a: Applicant) -> None:
        s = getattr(session_local, "s", None) or requests.Session()
        session_local.s = s
        h = {"Authorization": f"Bearer {cloud.token(a.user_id)}"}
        t0 = time.perf_counter()
        t0_wall = time.time()
        # As the phone does: one request that waits for the decision (201), polling on
        # only if it is not decided within the wait (202).
        r = s.post(
            cloud.api_url + "/v1/applications?waitSeconds=20",
            json=a.application(docs[a.user_id]),
            headers={**h, "Idempotency-Key": uuid.uuid4().hex},
            timeout=60,
        )
        if r.status_code not in (201, 202):
            raise RuntimeError(f"POST /v1/applications -> {r.status_code}: {r.text}")
        body = r.json()
        app_id = body["applicationId"]
        deadline = time.monotonic() + 60
        while body["status"] not in DECIDED:
            g = s.get(
                f"{cloud.api_url}/v1/applications/{app_id}?waitSeconds=20", headers=h, timeout=60
            )
            if g.status_code != 200:
                raise RuntimeError(f"GET {app_id} -> {g.status_code}: {g.text}")
            body = g.json()
            if body["status"] not in DECIDED and time.monotonic() > deadline:
                raise TimeoutError(f"{app_id} undecided after 60 s")
        elapsed = time.perf_counter() - t0
        decided = dt.datetime.fromisoformat(body["updatedAt"].replace("Z", "+00:00")).timestamp()
        with lock:
            lat.append(elapsed)
            recorded.append(decided - t0_wall)
            statuses.append(body["status"])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, batch))
    return lat, time.perf_counter() - t0, statuses, recorded


def run_floor(cloud: RemoteCloud, n: int, concurrency: int, tag: str) -> tuple[list[float], float]:
    arn = cloud.info["physical"]["OriginationFloor"]
    lat: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    def one(i: int) -> None:
        sfn = getattr(local, "sfn", None) or cloud.boto3("stepfunctions")
        local.sfn = sfn
        t0 = time.perf_counter()
        ex = sfn.start_execution(
            stateMachineArn=arn,
            name=f"floor-{tag}-{i}",
            input=json.dumps({"applicationId": f"x{i}"}),
        )
        while sfn.describe_execution(executionArn=ex["executionArn"])["status"] == "RUNNING":
            time.sleep(0.005)
        with lock:
            lat.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(n)))
    return lat, time.perf_counter() - t0


def ocr_seconds(cloud: RemoteCloud) -> list[float]:
    ddb = cloud.boto3("dynamodb")
    table = cloud.info["env"]["LENDING_TABLE"]
    out: list[float] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(PK, :d)",
        "ExpressionAttributeValues": {":d": {"S": "DOC#"}},
    }
    while True:
        page = ddb.scan(**kwargs)
        out += [float(i["ocrSeconds"]["N"]) for i in page["Items"] if "ocrSeconds" in i]
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--applications", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args()

    print("starting the local cloud (own process) with the floor workflow...", flush=True)
    cloud = RemoteCloud.spawn(with_floor=True)
    try:
        warm = 8
        applicants = make_applicants(args.applications + warm, dt.date.today())
        t0 = time.perf_counter()
        docs = upload_all(cloud, applicants)
        print(
            f"uploaded and OCR'd {len(applicants)} photos in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        run_floor(cloud, warm, args.concurrency, "warm")
        run_ours(cloud, applicants[:warm], docs, args.concurrency)

        ours: list[float] = []
        ours_recorded: list[float] = []
        floor: list[float] = []
        ours_wall = floor_wall = ours_cpu = floor_cpu = 0.0
        pid = cloud.process.pid
        statuses: list[str] = []
        per_round = args.applications // args.rounds
        for r in range(args.rounds):
            batch = applicants[warm + r * per_round : warm + (r + 1) * per_round]
            c0 = process_cpu_seconds(pid)
            fl, fw = run_floor(cloud, len(batch), args.concurrency, str(r))
            c1 = process_cpu_seconds(pid)
            ol, ow, st, rec = run_ours(cloud, batch, docs, args.concurrency)
            ours_recorded += rec
            floor_cpu += c1 - c0
            ours_cpu += process_cpu_seconds(pid) - c1
            floor += fl
            ours += ol
            floor_wall += fw
            ours_wall += ow
            statuses += st
        rows = [
            summary("empty workflow (floor)", floor, floor_wall, floor_cpu),
            summary("origination (ours)", ours, ours_wall, ours_cpu),
            summary("  decision recorded", ours_recorded, ours_wall, ours_cpu),
        ]
        ocr = ocr_seconds(cloud)
    finally:
        cloud.stop()

    print(
        f"\n{args.applications} applications, {args.concurrency} concurrent, "
        f"{args.rounds} alternating rounds"
    )
    print(
        f"{'':28}{'n':>5}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'per s':>8}"
        f"{'cloud CPU ms':>14}"
    )
    for row in rows:
        print(
            f"{row['name']:28}{row['n']:>5}{row['p50_ms']:>9}{row['p90_ms']:>9}{row['p99_ms']:>9}{row['max_ms']:>9}"
            f"{row['per_s']:>8}{row['cloud_cpu_ms']:>14}"
        )
    print("(cloud CPU ms: the local cloud process's CPU per decision, floor polling included)")
    ratio50 = rows[1]["p50_ms"] / rows[0]["p50_ms"]
    ratio99 = rows[1]["p99_ms"] / rows[0]["p99_ms"]
    print(f"ours / floor: p50 x{ratio50:.2f}, p99 x{ratio99:.2f}")
    rec50 = rows[2]["p50_ms"] / rows[0]["p50_ms"]
    rec99 = rows[2]["p99_ms"] / rows[0]["p99_ms"]
    print(
        f"decision recorded / floor (the workflow, without the client's long-poll): "
        f"p50 x{rec50:.2f}, p99 x{rec99:.2f}"
    )
    print("outcomes:", {s: statuses.count(s) for s in sorted(set(statuses))})
    print(
        f"OCR per photo (n={len(ocr)}): median {statistics.median(ocr):.3f} s, "
        f"p90 {pct(ocr, 0.9):.3f} s"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "ratio_p50": ratio50,
                    "ratio_p99": ratio99,
                    "ocr_median_s": statistics.median(ocr),
                    "ocr_p90_s": pct(ocr, 0.9),
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
