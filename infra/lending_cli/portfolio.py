"""`lending portfolio report [--json] [--plot FILE.png] [--as-of DATE]`: the book as ops read
it, from the running local cloud's loans (`chalicelib/reports/portfolio.py` computes, this
prints and draws).

- outstanding principal and receivables; loans and balance by bucket; the NPL ratio (M4+);
- roll rates month over month (each loan replayed to each month end: nothing is snapshotted);
- vintage curves: per draw month, the share of its principal that has been 30+ days past due,
  by month on book; `--plot` draws them (and the balance by bucket) to a PNG.

`--as-of` defaults to the local cloud's business date and cannot be after it (the book has not
got there). Exit codes: 0 done; 2 refused (a bad date, a plot path that cannot be written, no
local cloud running): nothing written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from chalicelib.amounts import fen_to_yuan
from chalicelib.loans.port import LoanRecord
from chalicelib.money.delinquency import BUCKET_ORDER
from chalicelib.money.portfolio import STATES
from chalicelib.reports.portfolio import PortfolioReport, portfolio_report

REFUSED = 2
MONTHS_ON_BOOK = (1, 2, 3, 6, 9, 12, 18, 24, 36)  # the vintage table's columns (the plot has all)
WIDTH = 120  # the tables' width when the output is not a terminal (a file, a pipe)


class Refused(Exception):
    """A request the command cannot carry out; the message says why."""


def plot_path(text: str) -> Path:
    """Where the plot goes: a .png file in a directory that exists."""
    path = Path(text)
    if path.suffix.lower() != ".png":
        raise Refused(f"--plot {text!r}: the plot is a PNG, name it FILE.png")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise Refused(f"--plot {text!r}: the directory {str(parent)!r} does not exist")
    if path.is_dir():
        raise Refused(f"--plot {text!r} is a directory")
    return path


def pct(x: Decimal) -> str:
    return f"{x * 100:.2f}%"


def yuan(fen: int) -> str:
    """¥ and the amount with thousands grouped: ¥12,345.67."""
    return f"¥{Decimal(fen_to_yuan(fen)):,.2f}"


def render(report: PortfolioReport, console: Any) -> None:
    from rich.table import Table

    s = report.summary
    head = Table(title=f"Portfolio as of {report.as_of.isoformat()}", show_header=False)
    head.add_column("figure", style="bold")
    head.add_column("value", justify="right")
    head.add_row("Open loans", str(s.loans))
    head.add_row("Outstanding principal", yuan(s.outstanding_principal_fen))
    head.add_row("Interest receivable", yuan(s.interest_receivable_fen))
    head.add_row("Penalty receivable", yuan(s.penalty_receivable_fen))
    head.add_row("NPL ratio (M4+, by balance)", pct(s.npl_ratio))
    head.add_row("Closed", str(s.closed))
    head.add_row(
        "Written off", f"{s.written_off} ({yuan(s.written_off_principal_fen)} principal owed)"
    )
    console.print(head)

    buckets = Table(title="By bucket (days past due)")
    for col in ("bucket", "loans", "balance", "share of balance"):
        buckets.add_column(col, justify="left" if col == "bucket" else "right")
    for name in BUCKET_ORDER:
        b = s.buckets[name]
        share = (
            Decimal(b.balance_fen) / s.outstanding_principal_fen
            if s.outstanding_principal_fen
            else Decimal(0)
        )
        buckets.add_row(name, str(b.loans), yuan(b.balance_fen), pct(share))
    console.print(buckets)

    if report.rolls:
        a, b, latest = report.rolls[-1]
        rolls = Table(title=f"Roll rates {a.isoformat()} → {b.isoformat()} (share of balance)")
        rolls.add_column("from \\ to")
        for state in STATES:
            rolls.add_column(state, justify="right")
        for before in BUCKET_ORDER:
            if not any(k[0] == before for k in latest.balances):
                continue
            rolls.add_row(before, *(pct(latest.rate(before, after)) for after in STATES))
        console.print(rolls)
        flow = Table(title="Flow rates by month (share of each bucket's balance that rolled on)")
        flow.add_column("month end")
        steps = list(pairwise(BUCKET_ORDER))
        for frm, to in steps:
            flow.add_column(f"{frm}→{to}", justify="right")
        for _, end, r in report.rolls:
            flow.add_row(
                end.isoformat(),
                *(
                    pct(r.rate(frm, to)) if any(k[0] == frm for k in r.balances) else "–"
                    for frm, to in steps
                ),
            )
        console.print(flow)
    else:
        console.print("Roll rates: no loan was open at a month end before this day yet.")

    if not report.vintages:
        console.print("Vintages: no loan drawn yet.")
        return
    vint = Table(title="Vintages: share of principal ever 30+ days past due, by month on book")
    vint.add_column("drawn", no_wrap=True)
    vint.add_column("loans", justify="right")
    vint.add_column("principal", justify="right", no_wrap=True)
    longest = max(len(c) for c in report.vintages.values())
    # the usual reading points of a vintage table, and where each cohort is now
    points = [m for m in MONTHS_ON_BOOK if m < longest]
    for m in points:
        vint.add_column(f"M{m}", justify="right")
    vint.add_column("now", justify="right")
    for month, curve in report.vintages.items():
        c = report.cohorts[month]
        cells = [pct(curve[m]) if m < len(curve) else "" for m in points]
        vint.add_row(month, str(c.loans), yuan(c.principal_fen), *cells, pct(curve[-1]))
    console.print(vint)


def plot(report: PortfolioReport, path: Path) -> None:
    """Vintage curves beside the balance by bucket, as a PNG a person reads at a glance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [3, 2]})
    fig.suptitle(f"Portfolio as of {report.as_of.isoformat()}", fontsize=14, fontweight="bold")
    if report.vintages:
        # oldest to newest along one colour map: many cohorts stay apart, and in order
        cmap = plt.get_cmap("viridis")
        n = len(report.vintages)
        for i, (month, curve) in enumerate(report.vintages.items()):
            ys = [float(x) * 100 for x in curve]
            drawn = Decimal(fen_to_yuan(report.cohorts[month].principal_fen))
            left.plot(
                range(len(ys)),
                ys,
                marker="o" if len(ys) <= 24 else None,
                linewidth=2,
                color=cmap(i / max(n - 1, 1) * 0.9),
                label=f"{month} (¥{drawn:,.0f} drawn)",
            )
        left.legend(
            title="Draw month", loc="best", fontsize=8, ncol=1 if n <= 8 else 2, framealpha=0.9
        )
    else:
        left.text(
            0.5, 0.5, "no loans drawn yet", ha="center", va="center", transform=left.transAxes
        )
    left.set_title("Vintage curves: principal ever 30+ days past due")
    left.set_xlabel("Months on book")
    left.set_ylabel("Share of principal drawn (30+ DPD)")
    left.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    left.set_ylim(bottom=0)
    left.xaxis.get_major_locator().set_params(integer=True)
    left.grid(True, alpha=0.3)

    s = report.summary
    balances = [s.buckets[b].balance_fen / 100 for b in BUCKET_ORDER]
    colors = ["#2e7d32", "#f9a825", "#ef6c00", "#d84315", "#b71c1c"]
    bars = right.bar(BUCKET_ORDER, balances, color=colors)
    for bar, name in zip(bars, BUCKET_ORDER, strict=True):
        n = s.buckets[name].loans
        right.annotate(
            f"{n} loan{'s' if n != 1 else ''}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    right.set_title(f"Balance by bucket (NPL ratio {pct(s.npl_ratio)})")
    right.set_xlabel("Days-past-due bucket")
    right.set_ylabel("Outstanding principal (¥)")
    right.yaxis.set_major_formatter(lambda v, _pos: f"¥{v:,.0f}")
    right.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(
    records: Iterable[LoanRecord],
    as_of: date,
    *,
    as_json: bool = False,
    plot_to: Path | None = None,
    console: Any = None,
) -> int:
    report = portfolio_report(records, as_of)
    if plot_to is not None:
        plot(report, plot_to)
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        if console is None:
            from rich.console import Console

            console = Console()
            if not console.is_terminal:
                console = Console(width=WIDTH)
        render(report, console)
    if plot_to is not None:
        print(f"plot written to {plot_to}", file=sys.stderr)
    return 0
