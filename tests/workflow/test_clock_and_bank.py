"""The business clock and the sandbox bank on a running local cloud, through the `lending`
command as a developer types it: the functions read the date `lending clock` sets at once, and
a repayment takes only what `lending bank` shows on the card."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from chalicelib.books.dynamo import check_ledger
from lending_cli.main import main as lending
from localcloud.client import RemoteCloud
from tests.workflow.cli_state import point_cli_at
from tests.workflow.test_money_workflow import draw, open_line, post, table, wait

pytestmark = pytest.mark.slow

OPENS_ON = date(2026, 3, 2)


@pytest.fixture(scope="module")
def dated_cloud() -> Iterator[RemoteCloud]:
    c = RemoteCloud.spawn(business_date=OPENS_ON)
    yield c
    c.stop()


@pytest.fixture
def cli(dated_cloud: RemoteCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RemoteCloud:
    """`lending` pointed at the cloud, as `lending up` would leave its state file."""
    point_cli_at(dated_cloud, tmp_path, monkeypatch)
    return dated_cloud


def say(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = lending(list(argv))
    out = capsys.readouterr()
    return code, out.out.strip(), out.err.strip()


def test_a_loans_life_over_the_business_clock_and_the_bank(
    cli: RemoteCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud, user = cli, "wf-clock-1"
    assert say(capsys, "clock", "show") == (0, "2026-03-02", "")
    # GIVEN a ¥3,000 loan drawn on the business date: the payout lands on the card
    open_line(cloud, user, 1_000_000)
    loan_id = draw(cloud, user, "3000.00").json()["loanId"]
    loan = wait(cloud, user, f"/v1/loans/{loan_id}")
    assert loan["status"] == "ACTIVE" and loan["contract"]["startDate"] == "2026-03-02", loan
    assert say(capsys, "bank", "balance", user)[1] == "3000.00"
    # and the borrower spends it
    assert say(capsys, "bank", "withdraw", user, "3000")[0] == 0
    # WHEN ten business days pass
    code, out, _ = say(capsys, "clock", "advance", "10")
    assert code == 0 and out.endswith("business date 2026-03-12 (10 days closed)")
    # THEN the API quotes on the new date at once: ten days of interest
    quote = cloud.call("GET", f"/v1/loans/{loan_id}/payoff-quote", user).json()
    assert quote["date"] == "2026-03-12" and quote["interest"] == "9.00", (
        quote
    )  # 3000 x 10.8%/360 x 10
    # WHEN they repay from the empty card THEN the bank takes nothing and the repayment fails
    rep = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": quote["payoff"]})
    failed = wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{rep.json()['repaymentId']}")
    assert failed["status"] == "FAILED" and failed["failure"]["code"] == "COLLECTION_DECLINED"
    # WHEN they deposit the payoff and repay again THEN it is collected and the loan closes
    code, out, _ = say(capsys, "bank", "deposit", user, quote["payoff"])
    assert code == 0 and out.endswith(f"balance {quote['payoff']}")
    rep = post(cloud, f"/v1/loans/{loan_id}/repayments", user, {"amount": quote["payoff"]})
    done = wait(cloud, user, f"/v1/loans/{loan_id}/repayments/{rep.json()['repaymentId']}")
    assert done["status"] == "SUCCEEDED" and done["date"] == "2026-03-12"
    assert cloud.call("GET", f"/v1/loans/{loan_id}", user).json()["status"] == "CLOSED"
    assert say(capsys, "bank", "balance", user)[1] == "0.00"
    assert check_ledger(table(cloud)).ok


def test_refusals_exit_2_and_change_nothing(
    cli: RemoteCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    today = say(capsys, "clock", "show")[1]
    code, _, err = say(capsys, "clock", "set", "2026-03-01")
    assert code == 2 and "only moves forward" in err and "2026-03-01" in err
    assert say(capsys, "clock", "show")[1] == today
    code, _, err = say(capsys, "bank", "deposit", "nobody-here", "10")
    assert code == 2 and "unknown user 'nobody-here'" in err
    open_line(cli, "wf-clock-2", 500_000)
    code, _, err = say(capsys, "bank", "withdraw", "wf-clock-2", "0.01")
    assert code == 2 and "holds 0.00" in err
