"""The monthly bureau report line: status, balance, DPD and the 24-month status string."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.money.credit_reporting import CSV_FIELDS, bureau_line, overdue_code, to_csv
from chalicelib.money.delinquency import due_fen
from chalicelib.money.servicing import book_payment, position
from tests.money.servicing_harness import START, make_loan


def test_an_on_time_loan_reads_not_opened_no_payment_due_then_normal() -> None:
    loan = make_loan(600_000, "0.12", 6)  # drawn 2024-01-15, due the 15th from February
    for i in range(3):
        d = loan.due_dates[i]
        loan, _ = book_payment(loan, f"r{i}", d, due_fen(position(loan, d)))
    line = bureau_line("loan_1", "user_1", loan, date(2024, 4, 10))
    assert line.month == "2024-04" and len(line.history) == 24
    assert line.history == "/" * 20 + "*NNN"
    assert (line.status, line.dpd, line.overdue_fen) == ("NORMAL", 0, 0)
    assert line.balance_fen == position(loan, date(2024, 4, 30)).outstanding_principal_fen


def test_missed_payments_count_months_overdue_then_written_off() -> None:
    loan = make_loan(600_000, "0.12", 3)
    line = bureau_line("loan_1", "user_1", loan, date(2024, 8, 31))
    # Feb 29: 14 DPD -> 1; Mar 31: 45 -> 2; Apr 30: 75 -> 3; ... Aug 31: 198 -> 7
    assert line.history[-8:] == "*1234567"
    assert line.status == "OVERDUE" and line.dpd == 198
    off = bureau_line("loan_1", "user_1", loan, date(2024, 9, 30), written_off_on=date(2024, 8, 12))
    assert off.history[-9:] == "*123456BB" and off.status == "WRITTEN_OFF"


def test_a_paid_off_loan_is_closed() -> None:
    loan = make_loan(600_000, "0.12", 6)
    day = START + timedelta(days=50)  # March 5: February's installment was late at its month end
    loan, _ = book_payment(loan, "all", day, position(loan, day).payoff_fen)
    line = bureau_line("loan_1", "user_1", loan, date(2024, 5, 31))
    assert line.history[-5:] == "*1CCC" and line.status == "CLOSED" and line.balance_fen == 0


def test_codes_and_file() -> None:
    assert [overdue_code(d) for d in (1, 30, 31, 60, 61, 180, 181, 999)] == list("11223677")
    loan = make_loan()
    text = to_csv([bureau_line("loan_1", "user_1", loan, date(2024, 3, 1))])
    header, row = text.splitlines()
    assert header.split(",") == list(CSV_FIELDS)
    assert row.startswith("loan_1,user_1,2024-03,OVERDUE,")
