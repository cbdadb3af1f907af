"""The portfolio report on a small book computed by hand (tests/reports/book.py): the figures
as of a day, roll rates month over month by replay, vintage curves."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.reports.portfolio import month_ends, portfolio_report
from tests.reports.book import AS_OF, seeded


def test_the_figures_as_of_the_day() -> None:
    s = portfolio_report(seeded(), AS_OF).summary
    assert (s.loans, s.outstanding_principal_fen) == (3, 3_000_000)
    # interest: L-cur 30 days, L-m1 46 days, L-npl 171 days, at 200 fen a day each
    assert s.interest_receivable_fen == (30 + 46 + 171) * 200 == 49_400
    # penalty at 75 fen a day per ¥2,500 overdue: L-m1 15 days on one installment; L-npl
    # 140 + 112 + 81 + 51 days on its four installments
    assert s.penalty_receivable_fen == (15 + 140 + 112 + 81 + 51) * 75 == 29_925
    assert {k: (v.loans, v.balance_fen) for k, v in s.buckets.items()} == {
        "CURRENT": (1, 1_000_000),
        "M1": (1, 1_000_000),
        "M2": (0, 0),
        "M3": (0, 0),
        "M4+": (1, 1_000_000),
    }
    assert s.npl_ratio == Decimal("0.3333")
    assert (s.closed, s.written_off, s.written_off_principal_fen) == (1, 1, 1_000_000)


def test_receivables_as_of_an_earlier_day_are_the_books_after_that_days_close() -> None:
    s = portfolio_report(seeded(), date(2026, 3, 1)).summary
    # open: L-npl (19 DPD) and L-wo (120 DPD, written off only on 04-30); L-closed paid today
    assert (s.loans, s.closed, s.written_off) == (2, 1, 0)
    # interest: L-npl 50 days, L-wo 151 days
    assert s.interest_receivable_fen == (50 + 151) * 200
    # penalty: L-npl 19 days on its first installment; L-wo 120, 90, 59 and 28 days on its four
    assert s.penalty_receivable_fen == (19 + 120 + 90 + 59 + 28) * 75 == 23_700
    assert s.buckets["M4+"].balance_fen == 1_000_000 and s.buckets["M1"].loans == 1


def test_roll_rates_replay_each_month_end() -> None:
    r = portfolio_report(seeded(), AS_OF)
    assert [(a.isoformat(), b.isoformat()) for a, b, _ in r.rolls] == [
        ("2025-12-31", "2026-01-31"),
        ("2026-01-31", "2026-02-28"),
        ("2026-02-28", "2026-03-31"),
        ("2026-03-31", "2026-04-30"),
        ("2026-04-30", "2026-05-31"),
        ("2026-05-31", "2026-06-30"),
    ]
    flows = {b.isoformat(): rr for _, b, rr in r.rolls}
    # L-wo: 60 DPD on 12-31 (M2), 91 on 01-31 (M4+), written off on 04-30
    assert flows["2026-01-31"].rate("M2", "M4+") == 1
    assert flows["2026-04-30"].rate("M4+", "WRITTEN_OFF") == 1  # L-wo
    assert flows["2026-04-30"].rate("M2", "M3") == 1  # L-npl, 49 then 79 DPD
    # L-npl: CURRENT on 01-31, M1 on 02-28 (18 DPD), M2 on 03-31, M3 on 04-30, M4+ on 05-31
    assert flows["2026-02-28"].rate("CURRENT", "M1") == 1
    assert flows["2026-03-31"].rate("M1", "M2") == 1
    assert flows["2026-03-31"].rate("CURRENT", "CLOSED") == 1  # L-closed paid off 03-01
    assert flows["2026-05-31"].rate("M3", "M4+") == 1
    # June: of ¥20,000 current on 05-31, L-m1 (¥10,000) rolled to M1
    june = flows["2026-06-30"]
    assert (june.rate("CURRENT", "CURRENT"), june.rate("CURRENT", "M1")) == (
        Decimal("0.5"),
        Decimal("0.5"),
    )
    assert june.balances[("CURRENT", "M1")] == 1_000_000


def test_vintage_curves_by_draw_month() -> None:
    r = portfolio_report(seeded(), AS_OF)
    one, zero = Decimal(1), Decimal(0)
    assert r.vintages == {
        "2025-10": [zero, zero] + [one] * 7,  # L-wo: 30 DPD on 2025-12-01, month on book 2
        "2026-01": [zero, zero] + [one] * 4,  # L-npl: 30 DPD on 2026-03-12
        "2026-02": [zero] * 5,  # L-closed
        "2026-05": [zero, zero],  # L-cur and L-m1 (15 DPD only)
    }
    assert (r.cohorts["2026-05"].loans, r.cohorts["2026-05"].principal_fen) == (2, 2_000_000)


def test_month_ends_are_the_complete_months() -> None:
    assert month_ends(date(2026, 6, 30), 3) == [date(2026, 4, 30), date(2026, 5, 31), AS_OF]
    assert month_ends(date(2026, 7, 15), 2) == [date(2026, 5, 31), date(2026, 6, 30)]
    assert month_ends(date(2024, 3, 1), 2) == [date(2024, 1, 31), date(2024, 2, 29)]


def test_an_empty_book() -> None:
    r = portfolio_report([], AS_OF)
    assert r.summary.loans == 0 and r.rolls == () and r.vintages == {}
