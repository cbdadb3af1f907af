"""Training pipeline: data -> cross-validated metrics -> release gate -> artifact + model card."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

from creditmodel import metrics as M
from creditmodel.labels import reason_code, reason_label
from creditmodel.model import (
    PROB_CLIP,
    FittedModel,
    ModelConfig,
    export_forest,
    fit_model,
    points_scale,
)

FORMAT_VERSION = 1
GRADE_LABELS = ["A", "B", "C", "D", "E"]


class GateRefused(Exception):
    """The candidate model is below the release floor; no artifact is written."""


@dataclass
class TrainConfig:
    target: str
    bad_value: str
    exclude: list[str] = field(default_factory=list)
    auc_floor: float = 0.75
    cv_folds: int = 10
    cv_repeats: int = 5
    seed: int = 42
    base_points: float = 600.0
    base_odds: float = 19.0  # good:bad odds at base_points
    pdo: float = 40.0
    grade_pd_edges: list[float] = field(default_factory=lambda: [0.05, 0.10, 0.20, 0.35])
    cost_bad_accepted: float = 5.0
    cost_good_declined: float = 1.0
    sex_column: str = "personal.status.and.sex"
    age_column: str = "age.in.years"
    model: ModelConfig = field(default_factory=ModelConfig)


@dataclass
class Dataset:
    X: pd.DataFrame
    y: np.ndarray
    side: pd.DataFrame  # columns kept out of the model (protected attributes) for fairness
    sha256: str
    path: str


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_dataset(path: str | Path, cfg: TrainConfig) -> Dataset:
    df = pd.read_csv(path)
    if cfg.target not in df.columns:
        raise ValueError(f"target column {cfg.target!r} not in {path}")
    missing = [c for c in cfg.exclude if c not in df.columns]
    if missing:
        raise ValueError(f"excluded columns not in data: {missing}")
    target = df[cfg.target].astype(str)
    bad = str(cfg.bad_value)
    if not (target == bad).any():
        raise ValueError(f"no row has {cfg.target} == {bad!r}")
    y = (target == bad).to_numpy(dtype=int)
    side_cols = [c for c in {*cfg.exclude, cfg.sex_column, cfg.age_column} if c in df.columns]
    X = df.drop(columns=[cfg.target, *cfg.exclude])
    return Dataset(X, y, df[side_cols].copy(), file_sha256(path), str(path))


def cross_validate(ds: Dataset, cfg: TrainConfig) -> dict[str, Any]:
    """Repeated stratified k-fold of the whole fit (binning included). Returns metrics + OOF PD."""
    cv = RepeatedStratifiedKFold(
        n_splits=cfg.cv_folds, n_repeats=cfg.cv_repeats, random_state=cfg.seed
    )
    n = len(ds.y)
    oof = np.zeros((cfg.cv_repeats, n))
    fold_auc = []
    for k, (tr, te) in enumerate(cv.split(ds.X, ds.y)):
        fm = fit_model(ds.X.iloc[tr], ds.y[tr], cfg.model)
        p = fm.predict_pd(ds.X.iloc[te])
        oof[k // cfg.cv_folds, te] = p
        fold_auc.append(M.auc(ds.y[te], p))
    fa = np.asarray(fold_auc).reshape(cfg.cv_repeats, cfg.cv_folds)
    per_repeat = {
        "auc": fa.mean(axis=1),
        "ks": np.array([M.ks(ds.y, o) for o in oof]),
        "brier": np.array([M.brier(ds.y, o) for o in oof]),
        "calibration_slope": np.array([M.calibration_slope(ds.y, o) for o in oof]),
    }
    out: dict[str, Any] = {
        "folds": cfg.cv_folds,
        "repeats": cfg.cv_repeats,
        "auc_fold_std": float(fa.std()),
        "note": "auc = mean over folds; ks, brier, calibration_slope on pooled out-of-fold PD; "
        "std = across repeats",
    }
    for name, v in per_repeat.items():
        out[name] = {"mean": float(v.mean()), "std": float(v.std())}
    return {"metrics": out, "oof_pd": oof.mean(axis=0), "oof_all": oof}


def _sex_groups(side: pd.DataFrame, col: str) -> np.ndarray | None:
    if col not in side.columns:
        return None
    return side[col].astype(str).str.split(":").str[0].str.strip().to_numpy()


def _age_groups(side: pd.DataFrame, col: str) -> np.ndarray | None:
    if col not in side.columns:
        return None
    a = pd.to_numeric(side[col], errors="coerce").to_numpy()
    return np.where(a < 25, "<25", np.where(a <= 40, "25-40", ">40"))


def fairness(ds: Dataset, pd_: np.ndarray, cutoff: float, cfg: TrainConfig) -> dict[str, Any]:
    approved = pd_ < cutoff
    out: dict[str, Any] = {
        "basis": "out-of-fold PD, approved = PD < cutoff; ratio = group approval / highest group",
    }
    sex = _sex_groups(ds.side, cfg.sex_column)
    if sex is not None:
        out["sex"] = M.approval_ratios(sex, approved)
    age = _age_groups(ds.side, cfg.age_column)
    if age is not None:
        out["age"] = M.approval_ratios(age, approved)
    return out


def holdout_psi(ds: Dataset, cfg: TrainConfig) -> dict[str, Any]:
    """Score PSI between a 70 % training split and its 30 % holdout (deciles of training scores)."""
    offset, factor = points_scale(cfg.base_points, cfg.base_odds, cfg.pdo)
    tr, te = train_test_split(
        np.arange(len(ds.y)), test_size=0.3, stratify=ds.y, random_state=cfg.seed
    )
    fm = fit_model(ds.X.iloc[tr], ds.y[tr], cfg.model)
    s_tr = _scores(fm.predict_pd(ds.X.iloc[tr]), offset, factor)
    s_te = _scores(fm.predict_pd(ds.X.iloc[te]), offset, factor)
    edges = np.unique(np.quantile(s_tr, np.linspace(0.1, 0.9, 9)))
    return {
        "psi": M.psi_from_scores(s_tr, s_te, edges),
        "split": "stratified 70/30",
        "bands": len(edges) + 1,
        "note": "in-sample scores of the 70 % fit vs its holdout: the forest spreads in-sample "
        "scores, so this reads higher than drift on unseen applicants would; the drift "
        "baseline in the artifact is out-of-fold for that reason",
    }


def _scores(pd_: np.ndarray, offset: float, factor: float) -> np.ndarray:
    p = np.clip(pd_, 1e-12, 1 - 1e-12)
    return offset + factor * np.log((1 - p) / p)


def build_artifact(
    fm: FittedModel,
    ds: Dataset,
    cfg: TrainConfig,
    card: dict[str, Any],
    baseline_pd: np.ndarray,
) -> dict[str, Any]:
    offset, factor = points_scale(cfg.base_points, cfg.base_odds, cfg.pdo)
    coef = fm.lr.coef_[0]
    w = cfg.model.blend_weight if fm.forest is not None else 1.0
    features, logit_rows, points_rows = [], [], []
    for j, fb in enumerate(fm.binner.features):
        spec = fb.to_dict()
        spec["reason_code"] = reason_code(fb.name)
        spec["reason_label"] = reason_label(fb.name)
        features.append(spec)
        row = [float(coef[j] * v) for v in fb.woe]
        logit_rows.append(row)
        # Points this bin moves the final score through the scorecard part of the blend.
        points_rows.append([-factor * fm.calib_b * w * v for v in row])
    # The score baseline is out-of-fold: production applicants are unseen, and the forest's
    # in-sample scores are more spread out than anything it will see in production.
    scores = _scores(baseline_pd, offset, factor)
    band_edges = [float(e) for e in np.unique(np.quantile(scores, np.linspace(0.1, 0.9, 9)))]
    bins = fm.binner.transform(ds.X)
    feature_shares = {
        fb.name: (np.bincount(bins[:, j], minlength=fb.n_bins) / len(ds.y)).tolist()
        for j, fb in enumerate(fm.binner.features)
    }
    band_idx = np.searchsorted(np.asarray(band_edges), scores, side="left")
    artifact: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "features": features,
        "scorecard": {
            "intercept": float(fm.lr.intercept_[0]),
            "coef": [float(c) for c in coef],
            "logit_per_bin": logit_rows,
            "points": points_rows,
        },
        "blend": {"scorecard_weight": w, "prob_clip": PROB_CLIP},
        "calibration": {"a": fm.calib_a, "b": fm.calib_b, "method": "platt"},
        "score_scale": {
            "offset": offset,
            "factor": factor,
            "base_points": cfg.base_points,
            "base_odds_good_to_bad": cfg.base_odds,
            "pdo": cfg.pdo,
        },
        "grades": {"labels": GRADE_LABELS, "pd_edges": list(cfg.grade_pd_edges)},
        "cutoff": card["cutoff"],
        "baseline": {
            "score_band_edges": band_edges,
            "score_band_shares": (
                np.bincount(band_idx, minlength=len(band_edges) + 1) / len(ds.y)
            ).tolist(),
            "feature_bin_shares": feature_shares,
        },
        "metadata": card["summary"],
    }
    if fm.forest is not None and fm.tree_inputs is not None:
        artifact["forest"] = export_forest(fm.forest)
        artifact["tree_inputs"] = fm.tree_inputs.to_dict()
    return artifact


def library_versions() -> dict[str, str]:
    import joblib
    import matplotlib
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "joblib": joblib.__version__,
        "matplotlib": matplotlib.__version__,
    }


@dataclass
class TrainResult:
    card: dict[str, Any]
    model: FittedModel
    artifact: dict[str, Any]
    data: Dataset


def train(data: str | Path, out: str | Path, cfg: TrainConfig, log=print) -> TrainResult:
    """Train, evaluate, gate, then write DIR/model.joblib, model_card.json/.md and plots.

    Raises GateRefused (nothing written) when the CV AUC is under cfg.auc_floor.
    """
    import json

    import joblib

    from creditmodel.report import write_card_md, write_plots

    ds = load_dataset(data, cfg)
    log(f"data {ds.path}: {len(ds.y)} rows, {int(ds.y.sum())} bad, {ds.X.shape[1]} features")
    cv = cross_validate(ds, cfg)
    m = cv["metrics"]
    log(
        f"CV AUC {m['auc']['mean']:.4f} ± {m['auc']['std']:.4f} "
        f"({cfg.cv_repeats}x{cfg.cv_folds}-fold)"
    )
    if m["auc"]["mean"] < cfg.auc_floor:
        raise GateRefused(
            f"release gate: CV AUC {m['auc']['mean']:.4f} is under the floor {cfg.auc_floor:.4f}; "
            "no artifact written"
        )
    oof = cv["oof_pd"]
    cutoff, cost = M.best_cutoff(ds.y, oof, cfg.cost_bad_accepted, cfg.cost_good_declined)
    fm = fit_model(ds.X, ds.y, cfg.model)
    grades = _grade_table(ds.y, oof, cfg.grade_pd_edges)
    version = f"{Path(out).name}-{dt.date.today():%Y%m%d}-{ds.sha256[:8]}"
    kinds = {fb.name: fb.kind for fb in fm.binner.features}
    card: dict[str, Any] = {
        "model_version": version,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": {
            "file": Path(ds.path).name,
            "sha256": ds.sha256,
            "rows": len(ds.y),
            "bad_rate": float(ds.y.mean()),
            "target": cfg.target,
            "bad_value": cfg.bad_value,
        },
        "features": kinds,
        "excluded_from_inputs": list(cfg.exclude),
        "model": {
            "kind": "WoE scorecard (logistic) blended with random forest, Platt-calibrated"
            if cfg.model.blend_weight < 1
            else "WoE scorecard (logistic), Platt-calibrated",
            "config": _jsonable(asdict(cfg.model)),
            "calibration": {"a": fm.calib_a, "b": fm.calib_b},
        },
        "library_versions": library_versions(),
        "cv": m,
        "auc_floor": cfg.auc_floor,
        "cutoff": {
            "pd": cutoff,
            "expected_cost_per_applicant": cost,
            "cost_matrix": {
                "bad_accepted": cfg.cost_bad_accepted,
                "good_declined": cfg.cost_good_declined,
            },
            "approval_rate": float((oof < cutoff).mean()),
            "basis": "out-of-fold PD averaged over CV repeats; accept when PD < cutoff",
        },
        "score_scale": {
            "base_points": cfg.base_points,
            "base_odds_good_to_bad": cfg.base_odds,
            "pdo": cfg.pdo,
        },
        "grades": grades,
        "fairness": fairness(ds, oof, cutoff, cfg),
        "stability": holdout_psi(ds, cfg),
    }
    card["summary"] = {
        "model_version": version,
        "data_sha256": ds.sha256,
        "library_versions": card["library_versions"],
        "cv_auc": m["auc"],
        "cv_ks": m["ks"],
        "cv_brier": m["brier"],
        "cv_calibration_slope": m["calibration_slope"],
        "cutoff_pd": cutoff,
        "feature_order": list(ds.X.columns),
    }
    artifact = build_artifact(fm, ds, cfg, card, baseline_pd=cv["oof_all"][0])
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    joblib.dump(artifact, outdir / "model.joblib", compress=3)
    card["plots"] = write_plots(outdir, ds.y, oof, artifact)
    (outdir / "model_card.json").write_text(json.dumps(_jsonable(card), indent=2) + "\n")
    write_card_md(outdir / "model_card.md", card)
    log(f"wrote {outdir / 'model.joblib'} ({version})")
    return TrainResult(card, fm, artifact, ds)


def _grade_table(y: np.ndarray, pd_: np.ndarray, edges: list[float]) -> dict[str, Any]:
    idx = np.searchsorted(np.asarray(edges), pd_, side="right")
    rows = {}
    lo = 0.0
    for g, label in enumerate(GRADE_LABELS):
        hi = edges[g] if g < len(edges) else 1.0
        m = idx == g
        rows[label] = {
            "pd_from": lo,
            "pd_to": hi,
            "share": float(m.mean()),
            "observed_bad_rate": float(y[m].mean()) if m.any() else None,
        }
        lo = hi
    return {"pd_edges": list(edges), "bands": rows, "basis": "out-of-fold PD; grade by PD < edge"}


def _jsonable(o: Any) -> Any:
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, float) and math.isnan(o):
        return None
    return o
