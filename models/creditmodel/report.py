"""Model card rendering: PNG plots and a short Markdown summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def write_plots(
    outdir: Path, y: np.ndarray, pd_: np.ndarray, artifact: dict[str, Any]
) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    files = []
    fpr, tpr, _ = roc_curve(y, pd_)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(fpr, tpr, label="out-of-fold")
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.set(
        xlabel="False positive rate (goods flagged)",
        ylabel="True positive rate (bads caught)",
        title="ROC (cross-validated)",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(outdir / "roc.png", dpi=90)
    plt.close(fig)
    files.append("roc.png")

    edges = np.unique(np.quantile(pd_, np.linspace(0, 1, 11)))
    idx = np.clip(np.searchsorted(edges, pd_, side="right") - 1, 0, len(edges) - 2)
    mean_pd = [pd_[idx == i].mean() for i in range(len(edges) - 1) if (idx == i).any()]
    obs = [y[idx == i].mean() for i in range(len(edges) - 1) if (idx == i).any()]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot(mean_pd, obs, "o-", label="deciles of PD")
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.set(xlabel="Predicted PD", ylabel="Observed bad rate", title="Calibration (cross-validated)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(outdir / "calibration.png", dpi=90)
    plt.close(fig)
    files.append("calibration.png")

    scale = artifact["score_scale"]
    p = np.clip(pd_, 1e-12, 1 - 1e-12)
    scores = scale["offset"] + scale["factor"] * np.log((1 - p) / p)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    bins = np.linspace(scores.min(), scores.max(), 30).tolist()
    ax.hist(scores[y == 0], bins=bins, alpha=0.6, label="good")
    ax.hist(scores[y == 1], bins=bins, alpha=0.6, label="bad")
    ax.set(
        xlabel="Score (points)", ylabel="Applicants", title="Score distribution (cross-validated)"
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "score_distribution.png", dpi=90)
    plt.close(fig)
    files.append("score_distribution.png")
    return files


def _ms(d: dict[str, float]) -> str:
    return f"{d['mean']:.4f} ± {d['std']:.4f}"


def write_card_md(path: Path, card: dict[str, Any]) -> None:
    cv = card["cv"]
    c = card["cutoff"]
    lines = [
        f"# Model card: {card['model_version']}",
        "",
        f"Created {card['created_utc']}. {card['model']['kind']}.",
        "",
        "## Data",
        f"- file `{card['data']['file']}`, sha256 `{card['data']['sha256']}`",
        (
            f"- {card['data']['rows']} rows, bad rate {card['data']['bad_rate']:.3f} "
            f"(target `{card['data']['target']}` == `{card['data']['bad_value']}`)"
        ),
        f"- excluded from inputs: {', '.join(card['excluded_from_inputs']) or 'none'}",
        f"- features ({len(card['features'])}): "
        + ", ".join(f"`{k}` ({v})" for k, v in card["features"].items()),
        "",
        f"## Cross-validated performance ({cv['repeats']} x {cv['folds']}-fold, stratified)",
        f"- AUC {_ms(cv['auc'])} (std across repeats; fold std {cv['auc_fold_std']:.4f})",
        f"- KS {_ms(cv['ks'])}",
        f"- Brier {_ms(cv['brier'])}",
        f"- calibration slope {_ms(cv['calibration_slope'])}",
        f"- release floor: AUC {card['auc_floor']}",
        "",
        "## Decision cutoff",
        (
            f"- accept when PD < {c['pd']:.4f}; expected cost "
            f"{c['expected_cost_per_applicant']:.4f} per applicant (bad accepted "
            f"{c['cost_matrix']['bad_accepted']}, good declined "
            f"{c['cost_matrix']['good_declined']}); approval rate {c['approval_rate']:.3f}"
        ),
        "",
        "## Score and grades",
        (
            f"- {card['score_scale']['base_points']:g} points at good:bad odds "
            f"{card['score_scale']['base_odds_good_to_bad']:g}:1, "
            f"{card['score_scale']['pdo']:g} points to double the odds"
        ),
    ]
    for g, r in card["grades"]["bands"].items():
        br = "n/a" if r["observed_bad_rate"] is None else f"{r['observed_bad_rate']:.3f}"
        lines.append(
            f"- {g}: PD [{r['pd_from']:.2f}, {r['pd_to']:.2f}) share {r['share']:.3f}, observed bad rate {br}"
        )
    lines += ["", "## Fairness (four-fifths rule on approval rates)"]
    for key in ("sex", "age"):
        if key in card["fairness"]:
            f = card["fairness"][key]
            groups = "; ".join(
                f"{g}: n={r['n']}, approval {r['approval_rate']:.3f}, ratio {r['ratio_to_highest']:.3f}"
                for g, r in f["groups"].items()
            )
            verdict = "passes" if f["passes_four_fifths"] else "FAILS"
            lines.append(f"- {key}: {groups} -> min ratio {f['min_ratio']:.3f}, {verdict}")
    s = card["stability"]
    lines += [
        "",
        "## Stability",
        f"- score PSI train vs holdout ({s['split']}, {s['bands']} bands): {s['psi']:.4f}",
        f"- {s.get('note', '')}",
        "",
        "## Libraries",
        "- " + ", ".join(f"{k} {v}" for k, v in card["library_versions"].items()),
        "",
        "## Plots",
    ]
    lines += [f"![{p}]({p})" for p in card.get("plots", [])]
    path.write_text("\n".join(lines) + "\n")
