"""Model card rendering: PNG plots and a short Markdown summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def write_plots(
    outdir: Path,
    y: np.ndarray,
    pd_: np.ndarray,
    artifact: dict[str, Any],
    pricing: dict[str, Any] | None = None,
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
    if pricing is not None:
        _frontier_plot(plt, outdir / "frontier.png", pricing)
        files.append("frontier.png")
    return files


def _frontier_plot(plt: Any, path: Path, pricing: dict[str, Any]) -> None:
    """Approval rate against expected loss and return, lowest PDs approved first; the two
    policies' operating points marked."""
    pts = pricing["frontier"]
    x = [100 * p["approval_rate"] for p in pts]
    pct = [
        ("expected_loss", "expected loss"),
        ("realised_loss", "realised loss (observed bads)"),
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for key, label in pct:
        left.plot(x, [100 * p[key] for p in pts], label=label)
    left.set(
        xlabel="Approval rate, % (lowest PD first)",
        ylabel="% of the drawn balance a year",
        title="Loss against approval",
    )
    right.plot(x, [100 * p["expected_return_risk_based"] for p in pts], label="risk-based prices")
    right.plot(x, [100 * p["expected_return_fixed_table"] for p in pts], label="old grade table")
    target = 100 * float(pricing["economics"]["target_return"])
    right.axhline(target, color="grey", ls="--", lw=1, label=f"target {target:.1f} %")
    right.axhline(0, color="black", lw=0.5)
    for key, marker, colour, label in (
        ("fixed_cutoff", "s", "tab:green", "fixed cutoff (before)"),
        ("risk_based", "o", "tab:red", "risk-based pricing (shipped)"),
    ):
        o = pricing["policies"][key]
        if o.get("expected_return") is None:
            continue
        x0 = 100 * o["approval_rate"]
        right.plot(x0, 100 * o["expected_return"], marker, color=colour, ms=8, label=label)
        left.plot(x0, 100 * o["expected_loss"], marker, color=colour, ms=8, label=label)
    right.set(
        xlabel="Approval rate, % (lowest PD first)",
        ylabel="% of the drawn balance a year",
        title="Expected return against approval",
    )
    left.legend(loc="upper left", fontsize=8)
    right.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _ms(d: dict[str, float]) -> str:
    return f"{d['mean']:.4f} ± {d['std']:.4f}"


def _pct(v: float | None, places: int = 1) -> str:
    return "n/a" if v is None else f"{100 * v:.{places}f} %"


def _policy_table(pricing: dict[str, Any]) -> list[str]:
    a, b = pricing["policies"]["fixed_cutoff"], pricing["policies"]["risk_based"]
    rows = [
        ("approval rate", "approval_rate", _pct),
        ("sent to review (counted apart)", "review_rate", _pct),
        ("bad rate among approved (observed)", "bad_rate", _pct),
        ("expected loss, a year on the balance", "expected_loss", _pct),
        ("realised loss (observed bads)", "realised_loss", _pct),
        ("mean APR offered", "mean_apr", lambda v: _pct(v, 2)),
        ("expected return, a year on the balance", "expected_return", _pct),
        ("realised return (observed bads)", "realised_return", _pct),
        (
            f"realised profit per 100 applicants (¥{pricing['amount_yuan']:,.0f} each)",
            "realised_profit_per_100_applicants_yuan",
            lambda v: "n/a" if v is None else f"¥{v:,.0f}",
        ),
    ]
    out = [
        "| | (a) fixed cutoff (before) | (b) risk-based pricing (shipped) |",
        "|---|---|---|",
    ]
    out += [f"| {label} | {fmt(a.get(k))} | {fmt(b.get(k))} |" for label, k, fmt in rows]
    out += ["", f"- (a): {a['rule']}", f"- (b): {b['rule']}"]
    return out


def _ratios(f: dict[str, Any]) -> str:
    return "; ".join(
        f"{g}: n={r['n']}, approval {r['approval_rate']:.3f}, ratio {r['ratio_to_highest']:.3f}"
        for g, r in f["groups"].items()
    )


def _fairness_lines(fair: dict[str, Any]) -> list[str]:
    rule = fair["rule"]
    exc = ", ".join(f"{k} >= {v}" for k, v in rule["exceptions"].items()) or "none"
    lines = [
        "## Fairness under the shipped policy (risk-based pricing)",
        f"- rule: every group at >= {rule['min_ratio']} of the best group's approval rate; "
        f"accepted exceptions: {exc}; {'passes' if fair['passes_rule'] else 'FAILS'}",
    ]
    for key in ("sex", "age"):
        if key in fair:
            f = fair[key]
            verdict = "meets the target" if f["passes_target"] else "BELOW the target"
            lines.append(f"- {key}: {_ratios(f)} -> min ratio {f['min_ratio']:.3f}, {verdict}")
    for key in ("sex", "age"):
        if key in fair.get("fixed_cutoff", {}):
            lines.append(
                f"- before (fixed cutoff), {key}: min ratio "
                f"{fair['fixed_cutoff'][key]['min_ratio']:.3f}"
            )
    for attr, c in fair.get("cost_of_target", {}).items():
        bf, af = c["before"], c["after"]
        lines.append(
            f"- cost of reaching {rule['min_ratio']} for {attr}: approve {c['extra_approvals']} "
            f"more ({_pct(c['extra_share_of_applicants'])} of applicants) at the top step, mean "
            f"PD {c['extra_mean_pd']:.3f}, observed bad rate {c['extra_bad_rate']:.3f}, expected "
            f"return on them {_pct(c['extra_expected_return'])} a year; portfolio bad rate "
            f"{_pct(bf['bad_rate'])} -> {_pct(af['bad_rate'])}, realised return "
            f"{_pct(bf['realised_return'])} -> {_pct(af['realised_return'])}, profit per 100 "
            f"applicants ¥{bf['realised_profit_per_100_applicants_yuan']:,.0f} -> "
            f"¥{af['realised_profit_per_100_applicants_yuan']:,.0f}"
        )
    cal = fair.get("calibration_by_group", {})
    for attr, groups in cal.items():
        lines.append(
            f"- calibration by {attr} (mean PD / observed bad rate): "
            + "; ".join(f"{g} {r['mean_pd']:.3f} / {r['bad_rate']:.3f}" for g, r in groups.items())
        )
    comp = fair.get("age_as_input")
    if comp:
        lines += ["", "### Age as an input: with and without, side by side", ""]
        lines += [
            "| | with age | without age |",
            "|---|---|---|",
        ]
        w, wo = comp["with_age"], comp["without_age"]

        def row(label: str, get: Any) -> str:
            return f"| {label} | {get(w)} | {get(wo)} |"

        def young(v: dict[str, Any]) -> str:
            r = v["calibration_by_group"].get("age", {}).get("<25")
            return "n/a" if r is None else f"{r['mean_pd']:.3f} / {r['bad_rate']:.3f}"

        def min_ratio(attr: str) -> Any:
            return lambda v: (
                f"{v['approval'][attr]['min_ratio']:.3f}" if attr in v["approval"] else "n/a"
            )

        lines += [
            row("CV AUC", lambda v: _ms(v["cv_auc"])),
            row("calibration slope", lambda v: _ms(v["calibration_slope"])),
            row("Brier", lambda v: _ms(v["brier"])),
            row("under 25: mean PD / observed bad rate", young),
            row("min approval ratio by age", min_ratio("age")),
            row("min approval ratio by sex", min_ratio("sex")),
            row("approval rate", lambda v: _pct(v["outcomes"]["approval_rate"])),
            row("realised return", lambda v: _pct(v["outcomes"].get("realised_return"))),
            "",
            f"Shipped: {comp['shipped'].replace('_', ' ')} (docs/risk.md says why).",
        ]
    return lines


def write_card_md(path: Path, card: dict[str, Any]) -> None:
    cv = card["cv"]
    c = card["cutoff"]
    pr = card["pricing"]
    econ = pr["economics"]
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
        "## Pricing policy: fixed cutoff against risk-based pricing",
        "",
        *_policy_table(pr),
        "",
        (
            f"Economics (`chalicelib/pricing_model.py`): cost of funds {econ['cost_of_funds']}, "
            f"servicing {econ['servicing']}, target return {econ['target_return']}, LGD "
            f"{econ['lgd']}, EAD {econ['ead']} of a {econ['draw_months']}-month draw "
            f"({econ['balance_years']} balance-years); break-even PD at the top step "
            f"{econ['break_even_pd']:.4f}; review band for ¥{pr['amount_yuan']:,.0f}: "
            + (
                "none"
                if pr["review_band"] is None
                else f"PD {pr['review_band'][0]:.4f}-{pr['review_band'][1]:.4f}"
            )
            + "."
        ),
        "",
        f"**On this data.** {pr['data_note']}",
        "",
        "## Grades (the pricing model's tiers)",
        "| grade | PD band | APR | daily rate | share | observed bad rate |",
        "|---|---|---|---|---|---|",
    ]
    for g, r in pr["tiers"]["bands"].items():
        br = "n/a" if r["observed_bad_rate"] is None else f"{r['observed_bad_rate']:.3f}"
        lines.append(
            f"| {g} | {r['pd_from']:.4f}-{r['pd_to']:.4f} | {_pct(float(r['apr']), 2)} | "
            f"{_pct(float(r['daily_rate']), 4)} | {r['share']:.3f} | {br} |"
        )
    above = pr["tiers"]["above_cap"]
    lines += [
        f"| above the cap | > {above['pd_from']:.4f} | declined | | {above['share']:.3f} | |",
        "",
        (
            f"- score scale: {card['score_scale']['base_points']:g} points at good:bad odds "
            f"{card['score_scale']['base_odds_good_to_bad']:g}:1, "
            f"{card['score_scale']['pdo']:g} points to double the odds"
        ),
        "",
        "## Fixed cutoff (the policy before; comparison only)",
        (
            f"- accept when PD < {c['pd']:.4f}; expected cost "
            f"{c['expected_cost_per_applicant']:.4f} per applicant (bad accepted "
            f"{c['cost_matrix']['bad_accepted']}, good declined "
            f"{c['cost_matrix']['good_declined']}); approval rate {c['approval_rate']:.3f}"
        ),
        "",
        *_fairness_lines(card["fairness"]),
    ]
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
