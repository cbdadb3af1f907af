"""The engine's floor for close of business: the COB's Distributed Map with nothing to do.

The COB ASL with no-op functions (localcloud.cloud: the close-of-business floor) runs over a
work list of N loan ids already in S3: the Map reads it, batches it, runs an Express child
per batch (one no-op Lambda call each) and writes its result files. That is all engine, so a
COB's time over this floor is the cost of its own work. One local cloud process of its own;
configurations alternate within each round, so they share the machine's noise.

    .venv/bin/python bench/bench_cob_floor.py [--items 10000 100000] [--batch 100 1000]
                                              [--rounds 2] [--unbatched 10000]

--batch sizes are variants of the floor with another MaxItemsPerBatch ("asl" = the ASL's own);
--unbatched N also times N items with no ItemBatcher (a child per item), for comparison.
bench/bench_cob.py reuses `start_floor_cloud`, `floor_machine` and `run_floor`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "infra")]

from localcloud.client import RemoteCloud  # noqa: E402

RESULTS = ROOT / "bench" / "results"
MAP_STATE = "Close Loans In Batches"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of the local cloud process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_floor_cloud() -> RemoteCloud:
    return RemoteCloud.spawn(with_floor=True)


def floor_machine(cloud: RemoteCloud, batch: int | str | None) -> str:
    """The floor as the ASL has it ("asl"), or a variant: another MaxItemsPerBatch, or None
    for no ItemBatcher at all (a child per item, its input the item)."""
    arn = str(cloud.info["physical"]["CloseOfBusinessFloor"])
    if batch == "asl":
        return arn
    sfn = cloud.boto3("stepfunctions")
    doc = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    state = doc["States"][MAP_STATE]
    if batch is None:
        del state["ItemBatcher"]
        # A child per item: its input is the loan id, given as the batch's list of one.
        state["ItemSelector"] = {"BatchInput": {"businessDate.$": "$.businessDate"}}
        state["ItemSelector"]["Items.$"] = "States.Array($$.Map.Item.Value)"
    else:
        state["ItemBatcher"]["MaxItemsPerBatch"] = int(batch)
    name = f"weili-local-cob-floor-{'unbatched' if batch is None else batch}"
    return str(
        sfn.create_state_machine(
            name=name, definition=json.dumps(doc), roleArn="arn:aws:iam::123456789012:role/floor"
        )["stateMachineArn"]
    )


def put_work_list(cloud: RemoteCloud, business_date: str, n: int) -> None:
    bucket = cloud.info["env"]["DOCUMENTS_BUCKET"]
    key = f"close-of-business/floor/{business_date}/work-list.json"  # cloud.work_list_location
    body = json.dumps([f"L{i:08d}" for i in range(n)]).encode()
    cloud.boto3("s3").put_object(Bucket=bucket, Key=key, Body=body)
    lines = key.replace("work-list.json", "lines.json")  # no lines: the lines' Map is empty
    cloud.boto3("s3").put_object(Bucket=bucket, Key=lines, Body=b"[]")


def _state_seconds(cloud: RemoteCloud, execution_arn: str, state: str) -> float | None:
    sfn = cloud.boto3("stepfunctions")
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    entered = exited = None
    for e in events:
        name = (e.get("stateEnteredEventDetails") or e.get("stateExitedEventDetails") or {}).get(
            "name"
        )
        if name == state and e["type"] == "MapStateEntered":
            entered = e["timestamp"]
        elif name == state and e["type"] == "MapStateExited":
            exited = e["timestamp"]
    return (exited - entered).total_seconds() if entered and exited else None


def run_floor(cloud: RemoteCloud, machine: str, n: int, business_date: str) -> dict[str, Any]:
    """One COB floor execution over n loan ids: wall, cloud CPU, the Map state's own time."""
    put_work_list(cloud, business_date, n)
    sfn = cloud.boto3("stepfunctions")
    pid = int(cloud.info["pid"])
    cpu0, t0 = process_cpu_seconds(pid), time.perf_counter()
    arn = sfn.start_execution(
        stateMachineArn=machine,
        name=business_date,
        input=json.dumps({"businessDate": business_date}),
    )["executionArn"]
    while (d := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    cpu = process_cpu_seconds(pid) - cpu0
    if d["status"] != "SUCCEEDED":
        raise RuntimeError(f"the floor ended {d['status']}: {d.get('error')} {d.get('cause')}")
    runs = [
        sfn.describe_map_run(mapRunArn=r["mapRunArn"])
        for r in sfn.list_map_runs(executionArn=arn)["mapRuns"]
    ]
    counts = max(runs, key=lambda c: c["itemCounts"]["total"])  # the loans' Map
    if counts["itemCounts"]["succeeded"] != n:  # every item went through a child
        raise RuntimeError(f"the floor's Map Run counted {counts['itemCounts']}, not {n} items")
    map_seconds = _state_seconds(cloud, arn, MAP_STATE)
    return {
        "items": n,
        "children": counts["executionCounts"]["succeeded"],
        "wall_s": round(wall, 2),
        "map_state_s": round(map_seconds, 2) if map_seconds is not None else None,
        "items_per_s": round(n / wall),
        "cloud_cpu_s": round(cpu, 2),
        "cloud_cpu_us_per_item": round(cpu / n * 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--batch", nargs="+", default=["asl", "100", "1000"])
    p.add_argument("--unbatched", type=int, nargs="*", default=[], metavar="N")
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)

    cloud = start_floor_cloud()
    try:
        configs: list[tuple[str, str, int]] = []
        for batch in args.batch:
            machine = floor_machine(cloud, batch)
            configs += [(f"batch {batch}", machine, n) for n in args.items]
        if args.unbatched:
            machine = floor_machine(cloud, None)
            configs += [("unbatched", machine, n) for n in args.unbatched]
        day = dt.date(2040, 1, 1)
        runs: list[dict[str, Any]] = []
        for round_no in range(args.rounds):
            for label, machine, n in configs:
                result = {
                    "config": label,
                    "round": round_no,
                    **run_floor(cloud, machine, n, str(day)),
                }
                day += dt.timedelta(days=1)
                runs.append(result)
                print(json.dumps(result), flush=True)
    finally:
        cloud.stop()

    lines = [
        f"COB floor, {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
        f"{args.rounds} rounds; best round of each (wall, then the cloud process's CPU)",
        f"{'config':<12} {'items':>8} {'wall s':>8} {'map s':>7} {'items/s':>9} "
        f"{'cpu s':>7} {'cpu us/item':>12}",
    ]
    for label, _, n in configs:
        best = min(
            (r for r in runs if r["config"] == label and r["items"] == n), key=lambda r: r["wall_s"]
        )
        lines.append(
            f"{label:<12} {n:>8} {best['wall_s']:>8} {best['map_state_s']!s:>7} "
            f"{best['items_per_s']:>9} {best['cloud_cpu_s']:>7} {best['cloud_cpu_us_per_item']:>12}"
        )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"cob-floor-{dt.date.today()}"
    stem.with_suffix(".json").write_text(json.dumps(runs, indent=1))
    stem.with_suffix(".txt").write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
