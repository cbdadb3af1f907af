"""Per-application scoring latency: runtime Scorer (with reasons) vs a scikit-learn Pipeline.

    PYTHONPATH=functions:models python bench/bench_scoring.py [--model models/german] [--n 2000]

Warm latency: each of the German credit applications scored one at a time, p50/p99 over all
calls. Cold start: a fresh interpreter importing the scorer and loading the artifact (median of
several runs). The baseline is the common pattern: Pipeline(ColumnTransformer, LogisticRegression)
called on a one-row DataFrame.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "models" / "data" / "german_credit.csv"
PROTECTED = ["personal.status.and.sex", "foreign.worker"]


def percentiles(ns: list[int]) -> tuple[float, float]:
    a = np.asarray(ns) / 1e3
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def cold(code: str, runs: int) -> float:
    env_path = f"{REPO / 'functions'}:{REPO / 'models'}"
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        )
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "models" / "german"))
    ap.add_argument("--n", type=int, default=3000, help="calls per measurement")
    ap.add_argument("--cold-runs", type=int, default=5)
    args = ap.parse_args()

    import joblib
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from chalicelib.scoring.scorer import Scorer

    df = pd.read_csv(DATA)
    y = (df["creditability"] == "bad").astype(int)
    X = df.drop(columns=["creditability", *PROTECTED])
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    pipe = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("n", StandardScaler(), num),
                        ("c", OneHotEncoder(handle_unknown="ignore"), cat),
                    ]
                ),
            ),
            ("lr", LogisticRegression(C=0.1, max_iter=2000)),
        ]
    ).fit(X, y)

    rows = X.to_dict("records")
    scorer = Scorer.load(args.model)
    for r in rows[:200]:
        scorer.score(r)
    ours, ours_cpu = [], []
    for i in range(args.n):
        r = rows[i % len(rows)]
        c = time.thread_time_ns()
        t = time.perf_counter_ns()
        scorer.score(r)
        ours.append(time.perf_counter_ns() - t)
        ours_cpu.append(time.thread_time_ns() - c)

    frames = [X.iloc[[i]] for i in range(len(X))]
    for f in frames[:50]:
        pipe.predict_proba(f)
    base, base_cpu = [], []
    for i in range(min(args.n, 1000)):
        f = frames[i % len(frames)]
        c = time.thread_time_ns()
        t = time.perf_counter_ns()
        pipe.predict_proba(f)
        base.append(time.perf_counter_ns() - t)
        base_cpu.append(time.thread_time_ns() - c)

    with tempfile.TemporaryDirectory() as tmp:
        joblib.dump(pipe, Path(tmp) / "pipe.joblib")
        cold_ours = cold(
            "import time; t=time.perf_counter(); from chalicelib.scoring.scorer import Scorer; "
            f"s=Scorer.load({args.model!r}); print(time.perf_counter()-t)",
            args.cold_runs,
        )
        cold_first = cold(
            "import time; t=time.perf_counter(); from chalicelib.scoring.scorer import Scorer; "
            f"s=Scorer.load({args.model!r}); "
            "s.score({'duration.in.month': 12}); print(time.perf_counter()-t)",
            args.cold_runs,
        )
        cold_base = cold(
            "import time; t=time.perf_counter(); import joblib, pandas as pd; "
            f"p=joblib.load({str(Path(tmp) / 'pipe.joblib')!r}); print(time.perf_counter()-t)",
            args.cold_runs,
        )

    o50, o99 = percentiles(ours)
    b50, b99 = percentiles(base)
    oc50, oc99 = percentiles(ours_cpu)
    bc50, bc99 = percentiles(base_cpu)
    size = (Path(args.model) / "model.joblib").stat().st_size
    print(f"model {args.model} ({size / 1e6:.2f} MB artifact), {len(ours)} / {len(base)} calls")
    # Wall clock includes time the process was descheduled on a shared machine; CPU does not.
    hdr = ("wall p50", "wall p99", "cpu p50", "cpu p99", "cold (s)")
    print(f"{'(microseconds)':44}" + "".join(f"{h:>10}" for h in hdr))
    name = "Scorer.score (blend + reasons), numpy only"
    print(f"{name:44}{o50:>10.0f}{o99:>10.0f}{oc50:>10.0f}{oc99:>10.0f}{cold_ours:>10.3f}")
    print(f"{'  cold incl. first score':44}{'':>40}{cold_first:>10.3f}")
    name = "sklearn Pipeline.predict_proba, 1-row frame"
    print(f"{name:44}{b50:>10.0f}{b99:>10.0f}{bc50:>10.0f}{bc99:>10.0f}{cold_base:>10.3f}")


if __name__ == "__main__":
    main()
