"""Training pipeline: data -> cross-validated metrics -> release gates -> artifact + model card.

Two gates: the CV AUC floor, and fairness under the shipped policy (risk-based pricing): every
sex and age group approved at >= `fairness_min_ratio` of the best group's rate, unless an
exception for that attribute is given (recorded in the card, with what the target would cost).
"""

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

from chalicelib import pricing_model as PM
from creditmodel import evidence as EV
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
GRADE_LABELS = list(PM.GRADES)
GERMAN_BAD_RATE_NOTE = (
    "The German data's bad rate is 30 %; a micro-loan book runs at a few percent. Its PDs are "
    "therefore far above our applicants': most applicants here price above the cap, the grade "
    "shares and approval rates are not a forecast, and what carries over is the comparison "
    "between policies on the same PDs. The economics (funds, servicing, LGD, EAD, target) are "
    "a real book's and stay as they are; the model's PDs must be recalibrated to our own "
    "book's bad rate before its approval rates mean anything for the product."
)


class GateRefused(Exception):
    """The candidate model fails a release gate; no artifact is written."""


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
    # The fixed cutoff the pricing model replaced, computed for the side-by-side evidence.
    cost_bad_accepted: float = 5.0
    cost_good_declined: float = 1.0
    sex_column: str = "personal.status.and.sex"
    age_column: str = "age.in.years"
    fairness_min_ratio: float = 0.8
    """Every group's approval rate at least this share of the best group's (four-fifths rule)."""
    fairness_exceptions: dict[str, float] = field(default_factory=dict)
    """Attribute -> a lower floor accepted knowingly (docs/risk.md says why); in the card."""
    compare_age: bool = True
    """Also cross-validate the model with age as an input if this one has none (or without it if
    it has), and report both side by side."""
    evidence_amount_fen: int = 500_000
    """The amount each applicant is taken to ask for in the evidence (¥5,000, about the German
    median request through the product's amount mapping): it sets the review band."""
    economics: PM.Economics = field(default_factory=lambda: PM.DEFAULT_ECONOMICS)
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


def protected_groups(ds: Dataset, cfg: TrainConfig) -> dict[str, np.ndarray]:
    """Group labels per protected attribute present in the data: "sex", "age"."""
    groups = {
        "sex": _sex_groups(ds.side, cfg.sex_column),
        "age": _age_groups(ds.side, cfg.age_column),
    }
    return {k: v for k, v in groups.items() if v is not None}


def age_variant(ds: Dataset, cfg: TrainConfig) -> tuple[Dataset, bool] | None:
    """The same data with age as an input if `ds` has none, or without it if it has; None when
    the data has no age column. The flag says whether the variant uses age."""
    col = cfg.age_column
    if col in ds.X.columns:
        return Dataset(ds.X.drop(columns=[col]), ds.y, ds.side, ds.sha256, ds.path), False
    if col not in ds.side.columns:
        return None
    # Put age back where the file has it: column order decides the forest's feature sampling.
    header = [c for c in pd.read_csv(ds.path, nrows=0).columns if c in {*ds.X.columns, col}]
    X = ds.X.assign(**{col: ds.side[col]})[header]
    return Dataset(X, ds.y, ds.side, ds.sha256, ds.path), True


def policy_evidence(
    ds: Dataset, oof: np.ndarray, cutoff: float, cfg: TrainConfig
) -> tuple[dict[str, Any], EV.Policy]:
    """The fixed cutoff and risk-based pricing side by side on the same out-of-fold PDs."""
    e, amount = cfg.economics, cfg.evidence_amount_fen
    fixed = EV.fixed_cutoff_policy(oof, cutoff)
    shipped = EV.risk_based_policy(oof, e, amount)
    band = PM.review_band(amount, e)
    evidence = {
        "economics": EV.economics_dict(e),
        "tiers": EV.tier_rows(e, ds.y, oof),
        "amount_yuan": amount / 100,
        "review_band": None if band is None else [float(band[0]), float(band[1])],
        "policies": {
            "fixed_cutoff": EV.outcomes(ds.y, oof, fixed, e, amount)
            | {
                "rule": f"approve PD < {cutoff:.4f}; review PD within ±0.02 of it; APR by the "
                "hand-set grade table (PD edges 0.05/0.10/0.20/0.35)"
            },
            "risk_based": EV.outcomes(ds.y, oof, shipped, e, amount)
            | {
                "rule": "approve when APR*(PD) fits under the top step; review where a review "
                f"is worth its cost on ¥{amount / 100:,.0f}; APR = the step APR* rounds up to"
            },
        },
        "frontier": EV.frontier(ds.y, oof, e),
        "basis": "out-of-fold PD averaged over CV repeats; returns a year on the drawn balance "
        "after funds, servicing and losses (expected from PD, realised from outcomes); review "
        "counted apart, not as approved",
        "data_note": GERMAN_BAD_RATE_NOTE,
    }
    return evidence, shipped


def variant_summary(
    ds: Dataset, cv: dict[str, Any], cfg: TrainConfig, uses_age: bool
) -> dict[str, Any]:
    """AUC, calibration and fairness under risk-based pricing for one choice about age."""
    oof, m = cv["oof_pd"], cv["metrics"]
    groups = protected_groups(ds, cfg)
    pol = EV.risk_based_policy(oof, cfg.economics, cfg.evidence_amount_fen)
    return {
        "age_is_an_input": uses_age,
        "cv_auc": m["auc"],
        "auc_fold_std": m["auc_fold_std"],
        "calibration_slope": m["calibration_slope"],
        "brier": m["brier"],
        "calibration_by_group": EV.calibration_by_group(ds.y, oof, groups),
        "approval": EV.approval_by_group(pol.approved, groups, cfg.fairness_min_ratio),
        "outcomes": EV.outcomes(ds.y, oof, pol, cfg.economics, cfg.evidence_amount_fen),
    }


def fairness(
    ds: Dataset,
    oof: np.ndarray,
    shipped: EV.Policy,
    fixed_cutoff: float,
    cfg: TrainConfig,
    age_comparison: dict[str, Any] | None,
) -> dict[str, Any]:
    groups = protected_groups(ds, cfg)
    rule = {"min_ratio": cfg.fairness_min_ratio, "exceptions": dict(cfg.fairness_exceptions)}
    out: dict[str, Any] = {
        "basis": "out-of-fold PD; approved = risk-based pricing approves (APR* within the top "
        "step); ratio = group approval / highest group",
        "rule": rule,
    }
    out |= EV.approval_by_group(shipped.approved, groups, cfg.fairness_min_ratio)
    breaches = {}
    for attr in groups:
        floor = cfg.fairness_exceptions.get(attr, cfg.fairness_min_ratio)
        if out[attr]["min_ratio"] < floor:
            breaches[attr] = {"min_ratio": out[attr]["min_ratio"], "floor": floor}
    out["breaches"] = breaches
    out["passes_rule"] = not breaches
    out["calibration_by_group"] = EV.calibration_by_group(ds.y, oof, groups)
    out["cost_of_target"] = EV.cost_of_target(
        ds.y, oof, shipped, groups, cfg.fairness_min_ratio, cfg.economics, cfg.evidence_amount_fen
    )
    out["fixed_cutoff"] = EV.approval_by_group(
        EV.fixed_cutoff_policy(oof, fixed_cutoff).approved, groups, cfg.fairness_min_ratio
    )
    if age_comparison is not None:
        out["age_as_input"] = age_comparison
    return out


def _fairness_refusal(f: dict[str, Any]) -> str:
    parts = []
    for attr, b in f["breaches"].items():
        groups = ", ".join(f"{g} {r['ratio_to_highest']:.3f}" for g, r in f[attr]["groups"].items())
        parts.append(f"{attr}: min ratio {b['min_ratio']:.3f} < {b['floor']:.2f} ({groups})")
    return (
        "release gate: fairness under risk-based pricing fails: "
        + "; ".join(parts)
        + ". No artifact written. To ship anyway, accept a lower floor for that attribute "
        "with --fairness-exception ATTR=RATIO and write down why in docs/risk.md."
    )


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
        # The pricing model's tiers: the scorer's grade is the grade the offer would carry.
        "grades": {"labels": GRADE_LABELS, "pd_edges": PM.grade_pd_edges(cfg.economics)},
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
    pricing, shipped = policy_evidence(ds, oof, cutoff, cfg)
    comparison = None
    variant = age_variant(ds, cfg) if cfg.compare_age else None
    if variant is not None:
        alt, alt_uses_age = variant
        log(f"cross-validating the model {'with' if alt_uses_age else 'without'} age to compare")
        this = variant_summary(ds, cv, cfg, not alt_uses_age)
        other = variant_summary(alt, cross_validate(alt, cfg), cfg, alt_uses_age)
        comparison = {
            "shipped": "with_age" if not alt_uses_age else "without_age",
            "with_age": other if alt_uses_age else this,
            "without_age": this if alt_uses_age else other,
        }
    fair = fairness(ds, oof, shipped, cutoff, cfg, comparison)
    for attr in ("sex", "age"):
        if attr in fair:
            log(f"approval ratio by {attr}, risk-based pricing: min {fair[attr]['min_ratio']:.3f}")
    if not fair["passes_rule"]:
        raise GateRefused(_fairness_refusal(fair))
    fm = fit_model(ds.X, ds.y, cfg.model)
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
            "basis": "out-of-fold PD averaged over CV repeats; accept when PD < cutoff. Not the "
            "shipped policy (risk-based pricing, see pricing): kept as its comparison",
        },
        "score_scale": {
            "base_points": cfg.base_points,
            "base_odds_good_to_bad": cfg.base_odds,
            "pdo": cfg.pdo,
        },
        "grades": pricing["tiers"],
        "pricing": pricing,
        "fairness": fair,
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
    card["plots"] = write_plots(outdir, ds.y, oof, artifact, pricing)
    (outdir / "model_card.json").write_text(json.dumps(_jsonable(card), indent=2) + "\n")
    write_card_md(outdir / "model_card.md", card)
    log(f"wrote {outdir / 'model.joblib'} ({version})")
    return TrainResult(card, fm, artifact, ds)


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
