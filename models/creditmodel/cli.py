"""`lending model train|score|drift`: argparse front ends returning a process exit code."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from chalicelib.scoring.drift import drift_report
from chalicelib.scoring.scorer import Scorer

__all__ = ["drift_main", "drift_report", "read_feature_rows", "score_main", "train_main"]


def train_main(argv: Sequence[str] | None = None) -> int:
    from creditmodel.model import ModelConfig
    from creditmodel.train import GateRefused, TrainConfig, train

    ap = argparse.ArgumentParser(
        prog="lending model train", description="Train and package a credit model."
    )
    ap.add_argument("--data", required=True, help="training CSV")
    ap.add_argument("--target", required=True, help="outcome column")
    ap.add_argument("--bad", required=True, help="value of the outcome column that means bad")
    ap.add_argument("--out", required=True, help="artifact directory")
    ap.add_argument("--exclude", default="", help="comma-separated columns kept out of the inputs")
    ap.add_argument("--auc-floor", type=float, default=0.75, help="release gate on CV AUC")
    ap.add_argument("--cv-repeats", type=int, default=5, help="repeats of stratified k-fold")
    ap.add_argument("--cv-folds", type=int, default=10)
    ap.add_argument("--forest-trees", type=int, default=300, help="0 = scorecard only")
    ap.add_argument("--blend-weight", type=float, default=0.4, help="scorecard weight in the blend")
    ap.add_argument("--max-bins", type=int, default=6)
    ap.add_argument("--sex-column", default="personal.status.and.sex")
    ap.add_argument("--age-column", default="age.in.years")
    ap.add_argument(
        "--fairness-min-ratio",
        type=float,
        default=0.8,
        help="release gate: every sex and age group approved at this share of the best group",
    )
    ap.add_argument(
        "--fairness-exception",
        action="append",
        default=[],
        metavar="ATTR=RATIO",
        help="accept a lower floor for one attribute (sex or age); recorded in the model card",
    )
    ap.add_argument(
        "--no-age-comparison",
        action="store_true",
        help="skip cross-validating the model with/without age for the side-by-side report",
    )
    args = ap.parse_args(argv)
    try:
        exceptions = _exceptions(args.fairness_exception)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    cfg = TrainConfig(
        target=args.target,
        bad_value=args.bad,
        exclude=[c.strip() for c in args.exclude.split(",") if c.strip()],
        auc_floor=args.auc_floor,
        cv_folds=args.cv_folds,
        cv_repeats=args.cv_repeats,
        sex_column=args.sex_column,
        age_column=args.age_column,
        fairness_min_ratio=args.fairness_min_ratio,
        fairness_exceptions=exceptions,
        compare_age=not args.no_age_comparison,
    )
    cfg.model = ModelConfig(
        forest_trees=max(args.forest_trees, 1),
        blend_weight=1.0 if args.forest_trees <= 0 else args.blend_weight,
    )
    cfg.model.binning.max_bins = args.max_bins
    try:
        train(args.data, args.out, cfg, log=lambda m: print(m, file=sys.stderr))
    except GateRefused as exc:
        print(str(exc), file=sys.stderr)
        return 3
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _exceptions(raw: Sequence[str]) -> dict[str, float]:
    out = {}
    for item in raw:
        attr, sep, ratio = item.partition("=")
        if not sep or attr.strip() not in {"sex", "age"}:
            raise ValueError(f"--fairness-exception {item!r}: expected sex=RATIO or age=RATIO")
        try:
            value = float(ratio)
        except ValueError:
            raise ValueError(f"--fairness-exception {item!r}: {ratio!r} is not a number") from None
        if not 0 <= value <= 1:
            raise ValueError(f"--fairness-exception {item!r}: the ratio must be within [0, 1]")
        out[attr.strip()] = value
    return out


def read_feature_rows(path: str | Path, spec: Mapping[str, object]) -> Iterator[dict[str, object]]:
    """CSV rows as feature mappings: numeric columns parsed, empty cells missing, extras kept."""
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            out: dict[str, object] = dict(row)
            for name, kind in spec.items():
                v = row.get(name)
                if v is None or v == "":
                    out[name] = None
                elif kind == "numeric":
                    try:
                        out[name] = float(v)
                    except ValueError:
                        out[name] = v  # left as text: the scorer rejects it, naming the feature
            yield out


def score_main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="lending model score", description="Score a CSV of applications."
    )
    ap.add_argument("--model", required=True, help="artifact directory")
    ap.add_argument("--data", required=True, help="CSV of feature rows")
    ap.add_argument("--out", required=True, help="scored CSV (same row order as the input)")
    args = ap.parse_args(argv)
    scorer = Scorer.load(args.model)
    n = 0
    with open(args.out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "pd", "score", "grade", "reason_codes", "reasons"])
        for i, row in enumerate(read_feature_rows(args.data, scorer.feature_spec)):
            try:
                r = scorer.score(row)
            except ValueError as exc:
                print(f"error: row {i + 1}: {exc}", file=sys.stderr)
                return 2
            w.writerow(
                [
                    i,
                    f"{r.pd:.6f}",
                    r.score,
                    r.grade,
                    ";".join(x.code for x in r.reasons),
                    " | ".join(x.text for x in r.reasons),
                ]
            )
            n += 1
    print(f"scored {n} rows -> {args.out}", file=sys.stderr)
    return 0


def drift_main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="lending model drift",
        description="PSI of production applications vs the training baseline.",
    )
    ap.add_argument("--model", required=True, help="artifact directory")
    ap.add_argument("--scores", required=True, help="CSV of feature rows recorded in production")
    ap.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = ap.parse_args(argv)
    scorer = Scorer.load(args.model)
    report: dict[str, Any] = drift_report(
        scorer, read_feature_rows(args.scores, scorer.feature_spec)
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"model {report['model_version']}: {report['rows']} rows ({report['skipped_rows']} skipped)"
    )
    s = report["score"]
    print(f"{'score bands':<58} PSI {s['psi']:.4f}  {s['status']}")
    for name, f in sorted(report["features"].items(), key=lambda kv: -(kv[1]["psi"] or 0)):
        print(f"{name:<58} PSI {f['psi']:.4f}  {f['status']}")
    return 0
