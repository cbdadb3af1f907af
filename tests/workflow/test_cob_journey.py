"""A borrower's months over the business clock on a running local cloud, through `lending` as a
developer types it: each `lending clock advance` runs the real close of business (the ASL on
the engine, named by the date), the morning's auto-debits run on the repayment workflow, and
`lending ledger check` is clean after every step.

Draw, spend it, miss the first installment (the card is empty), age overdue with penalty, the
line frozen, pay half in (a partial debit), pay the rest in (the retry cures it), the line
thaws, pay everything off: no loan left for the close of business. The clock is `set` across
the quiet weeks so the journey is a dozen nights, not a hundred. Then borrowers who repay
while a night closes: the repayments and the night's lines race to reopen the same lines.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.amounts import yuan_to_fen
from chalicelib.books.dynamo import check_ledger
from lending_cli.main import main as lending
from localcloud.client import RemoteCloud
from tests.workflow.cli_state import point_cli_at
from tests.workflow.test_money_workflow import draw, open_line, post, table, wait

pytestmark = pytest.mark.slow

OPENS_ON = date(2026, 3, 2)


@pytest.fixture(scope="module", params=[0, 2], ids=["functions-in-process", "lambda-processes"])
def dated_cloud(request: pytest.FixtureRequest) -> Iterator[RemoteCloud]:
    """The journey runs twice: with the functions in the local cloud's process (the default),
    and in two Lambda containers of their own (localcloud/lambda_pool.py)."""
    c = RemoteCloud.spawn(business_date=OPENS_ON, lambda_processes=request.param)
    yield c
    c.stop()


@pytest.fixture
def cli(dated_cloud: RemoteCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RemoteCloud:
    """`lending` pointed at the cloud, as `lending up` would leave its state file."""
    point_cli_at(dated_cloud, tmp_path, monkeypatch)
    return dated_cloud


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = lending(list(argv))
    out = capsys.readouterr()
    assert code == 0, (argv, out.out, out.err)
    return out.out


def books_clean(cloud: RemoteCloud) -> bool:
    report = check_ledger(table(cloud))
    assert report.ok, report.as_dict()
    return True


def runtimes(cloud: RemoteCloud) -> int:
    """The local cloud's Lambda containers (lambda_runtime processes) running now."""
    pid, count = str(cloud.info["pid"]), 0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        count += stat[1] == pid and b"localcloud.lambda_runtime" in command
    return count


def loan(cloud: RemoteCloud, user: str, loan_id: str) -> dict[str, Any]:
    return dict(cloud.call("GET", f"/v1/loans/{loan_id}", user).json())


def inbox(cloud: RemoteCloud, user: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = cloud.call("GET", "/v1/notifications?limit=100", user).json()[
        "notifications"
    ]
    return items


def test_miss_age_freeze_deposit_collect_cure_thaw_and_pay_off(
    cli: RemoteCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    cloud, user = cli, "wf-journey-1"
    # GIVEN a ¥3,000 loan over 3 months drawn on 2026-03-02 (first due 2026-04-02), spent
    open_line(cloud, user, 1_000_000)
    r = post(
        cloud,
        "/v1/loans",
        user,
        {"amount": "3000.00", "termMonths": 3, "method": "equal-installment"},
    )
    loan_id = r.json()["loanId"]
    assert wait(cloud, user, f"/v1/loans/{loan_id}")["status"] == "ACTIVE"
    run(capsys, "bank", "withdraw", user, "3000")
    assert books_clean(cloud)

    # WHEN the nights from three days before the due date through the due date pass
    run(capsys, "clock", "set", "2026-03-29")
    out = run(capsys, "clock", "advance", "5")
    assert "2026-03-29 closed: 1 loans" in out and "business date 2026-04-03" in out
    # THEN the borrower was reminded, the debit found the card empty, the loan is overdue
    kinds = [n["kind"] for n in inbox(cloud, user)]
    for kind in ("DUE_IN_3_DAYS", "DUE_TODAY", "COLLECTION_FAILED", "OVERDUE_DAY_1"):
        assert kind in kinds, kinds
    # the due date's debit and the D+1 retry (run the morning after the due date's night)
    failed = {n["repaymentId"]: n for n in inbox(cloud, user) if n["kind"] == "COLLECTION_FAILED"}
    assert failed[f"auto-{loan_id}-20260402-0"]["nextAttempt"] == "2026-04-03"
    assert failed[f"auto-{loan_id}-20260403-1"]["nextAttempt"] == "2026-04-05"
    view = loan(cloud, user, loan_id)
    assert (view["status"], view["daysPastDue"], view["bucket"]) == ("OVERDUE", 1, "M1")
    assert books_clean(cloud)
    # the day's record says so, and the line is frozen: a draw is refused naming the loan
    shown = run(capsys, "cob", "show", "2026-04-02")
    assert "today's debits: collected 0, partial 0, failed 1" in shown
    assert "newly overdue 1" in shown
    assert "lines: served 0, frozen 1," in shown  # by the loans' close, the same night
    refused = draw(cloud, user, "100.00")
    assert refused.status_code == 409 and refused.json()["code"] == "LINE_FROZEN"
    assert loan_id in refused.json()["detail"]

    # WHEN half of what is due is paid in and the nights through the D+3 retry pass
    due = yuan_to_fen(view["outstanding"]["penalty"]) + yuan_to_fen(view["schedule"][0]["total"])
    half = due // 2
    run(capsys, "bank", "deposit", user, f"{half / 100:.2f}")
    out = run(capsys, "clock", "advance", "2")
    # THEN the retry took what the card held, and the loan stays overdue, accruing penalty
    assert run(capsys, "bank", "balance", user).strip() == "0.00"
    partial = loan(cloud, user, loan_id)
    assert partial["status"] == "OVERDUE" and partial["daysPastDue"] == 3
    taken = [
        sum(yuan_to_fen(v) for v in p["allocation"].values())
        for p in partial["repayments"]
        if p["allocation"]
    ]
    assert taken == [half]
    # penalty ran from the day after the due date, and the debit paid it first
    (paid,) = [p["allocation"] for p in partial["repayments"] if p["allocation"]]
    assert yuan_to_fen(paid["penalty"]) > 0
    assert books_clean(cloud)

    # WHEN more than the rest is paid in and the nights through the D+7 retry pass
    run(capsys, "bank", "deposit", user, "2000.00")
    out = run(capsys, "clock", "advance", "4")
    # THEN the retry takes what is due, never more: the loan is cured and the line thaws
    cured = loan(cloud, user, loan_id)
    assert (cured["status"], cured["daysPastDue"], cured["bucket"]) == ("ACTIVE", 0, "CURRENT")
    left = yuan_to_fen(run(capsys, "bank", "balance", user).strip())
    assert 0 < left < 2000_00
    collected = next(n for n in inbox(cloud, user) if n["kind"] == "COLLECTED")
    assert collected["repaymentId"] == f"auto-{loan_id}-20260409-3"  # D+7, the schedule's 4th try
    second = draw(cloud, user, "100.00")
    assert second.status_code == 202, second.text
    second_id = second.json()["loanId"]
    assert wait(cloud, user, f"/v1/loans/{second_id}")["status"] == "ACTIVE"
    assert books_clean(cloud)

    # WHEN everything is paid off
    for lid in (loan_id, second_id):
        payoff = cloud.call("GET", f"/v1/loans/{lid}/payoff-quote", user).json()["payoff"]
        run(capsys, "bank", "deposit", user, payoff)
        rep = post(cloud, f"/v1/loans/{lid}/repayments", user, {"amount": payoff})
        done = wait(cloud, user, f"/v1/loans/{lid}/repayments/{rep.json()['repaymentId']}")
        assert done["status"] == "SUCCEEDED", done
        assert loan(cloud, user, lid)["status"] == "CLOSED"
    # THEN the next night has nothing of this borrower's left to close
    out = run(capsys, "clock", "advance", "1")
    assert "2026-04-09 closed: 0 loans" in out
    assert books_clean(cloud)
    # and the functions ran where the local cloud was told to run them
    processes = int(cloud.info.get("lambdaProcesses", 0))
    assert (runtimes(cloud) > 0) == (processes > 0) and runtimes(cloud) <= processes


def test_repayments_that_cure_while_the_night_closes_reopen_each_line_once(
    cli: RemoteCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    """Restore Line's reopening and the night's Close Lines race for the same line under the
    same change id (the business date moves on as the night starts, and both serve that day):
    whichever comes first, each line is thawed exactly once and the books stay clean."""
    cloud, users = cli, [f"wf-race-{i}" for i in range(3)]
    # GIVEN three borrowers whose first installment went unpaid: overdue, their lines frozen
    loans: dict[str, str] = {}
    for user in users:
        open_line(cloud, user, 1_000_000)
        r = draw(cloud, user, "600.00")
        loans[user] = r.json()["loanId"]
        assert wait(cloud, user, f"/v1/loans/{loans[user]}")["status"] == "ACTIVE"
        run(capsys, "bank", "withdraw", user, "600")
    first = loan(cloud, users[0], loans[users[0]])["contract"]["firstDueDate"]
    run(capsys, "clock", "set", first)
    run(capsys, "clock", "advance", "1")  # the due date's night; the D+1 retry finds no money
    owed: dict[str, str] = {}
    for user in users:
        view = loan(cloud, user, loans[user])
        assert view["status"] == "OVERDUE", view
        assert cloud.call("GET", "/v1/credit-line", user).json()["status"] == "FROZEN"
        # what is due and ¥5 more (a day's penalty and interest more if booked after midnight)
        fen = yuan_to_fen(view["outstanding"]["penalty"]) + yuan_to_fen(
            view["schedule"][0]["total"]
        )
        owed[user] = f"{(fen + 500) / 100:.2f}"
        run(capsys, "bank", "deposit", user, owed[user])

    # WHEN the next night closes (its lines' Map serves the frozen lines) while they repay
    outcomes: dict[str, Any] = {}

    def night() -> None:
        outcomes["night"] = lending(["clock", "advance", "1"])

    def repay(user: str, delay: float) -> None:
        time.sleep(delay)
        r = post(cloud, f"/v1/loans/{loans[user]}/repayments", user, {"amount": owed[user]})
        assert r.status_code == 202, r.text
        path = f"/v1/loans/{loans[user]}/repayments/{r.json()['repaymentId']}"
        outcomes[user] = wait(cloud, user, path)["status"]

    threads = [threading.Thread(target=night)] + [
        threading.Thread(target=repay, args=(user, 0.15 * i)) for i, user in enumerate(users)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    capsys.readouterr()

    # THEN every repayment went through, every loan is cured, every line thawed exactly once
    assert outcomes == {"night": 0, **dict.fromkeys(users, "SUCCEEDED")}, outcomes
    for user in users:
        view = loan(cloud, user, loans[user])
        assert (view["status"], view["daysPastDue"]) == ("ACTIVE", 0), view
        line = cloud.call("GET", "/v1/credit-line", user).json()
        changes = [c["status"] for c in line["history"] if c["kind"] == "STATUS"]
        assert (line["status"], changes) == ("ACTIVE", ["ACTIVE", "FROZEN"]), line
    assert books_clean(cloud)
    assert draw(cloud, users[0], "100.00").status_code == 202
