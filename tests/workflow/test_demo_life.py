"""The demo's four months (`lending demo`, its last part: lending_cli/demo_life.py) on a local
cloud of its own: four applicants through the live API, every business day closed by the real
close of business on the engine, the borrowers paying (or not) through the sandbox bank; then
what each borrower's loan, line and inbox say, the ledger check and the portfolio report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from lending_cli import demo_life
from lending_cli.bank import Bank
from lending_cli.clock import LocalCloud
from lending_cli.demo import Api
from localcloud.client import RemoteCloud
from tests.workflow.test_money_workflow import table

pytestmark = pytest.mark.slow

# A long month first (Jan 31 -> Feb 28 is clamped): the story must still stop in M3.
OPENS_ON = date(2027, 1, 31)


@pytest.fixture(scope="module")
def life_cloud() -> Iterator[RemoteCloud]:
    c = RemoteCloud.spawn(business_date=OPENS_ON)
    yield c
    c.stop()


class _Tokens:
    """The demo's Api over a spawned cloud (its tokens take `ops`, the in-process cloud's take
    groups)."""

    def __init__(self, cloud: RemoteCloud) -> None:
        self.cloud = cloud
        self.api_url = cloud.api_url

    def token(self, user: str, groups: tuple[str, ...] = ()) -> str:
        return self.cloud.token(user, ops="ops" in groups)


def test_four_months_on_time_late_never_and_early_payoff(
    life_cloud: RemoteCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    t = table(life_cloud)
    clock = LocalCloud.over(t, physical=life_cloud.info["physical"], client=life_cloud.boto3)
    story = demo_life.run(Api(_Tokens(life_cloud)), Bank.over(t), clock, t, progress=False)
    out = capsys.readouterr().out
    assert story is not None, out
    got = story.outcomes

    # the on-time borrower: every installment collected by the auto-debit, raised at review
    on_time = got[demo_life.ON_TIME]
    assert on_time.loan_status == "ACTIVE" and on_time.bucket == "CURRENT"
    assert on_time.limit_fen > on_time.first_limit_fen
    reviews = [r for k, _, r in on_time.line_history if k == "REVIEW"]
    assert reviews[:2] == [("REVIEW_TOO_NEW",), ("REVIEW_TOO_NEW",)]
    assert reviews[2][0] == "LIMIT_UP_ON_TIME"  # the third monthly review
    assert "COLLECTION_FAILED" not in on_time.inbox and on_time.inbox.count("COLLECTED") >= 3

    # the late one: reminded, overdue, frozen; pays, collected by a retry, cured, thawed
    late = got[demo_life.LATE]
    statuses = [s for k, s, _ in late.line_history if k == "STATUS"]
    assert statuses == ["FROZEN", "ACTIVE"]
    for kind in ("DUE_IN_3_DAYS", "DUE_TODAY", "COLLECTION_FAILED", "OVERDUE_DAY_1"):
        assert kind in late.inbox, late.inbox
    assert "OVERDUE_DAY_7" in late.inbox and "COLLECTED" in late.inbox
    assert (late.loan_status, late.bucket, late.line_status) == ("ACTIVE", "CURRENT", "ACTIVE")
    cut = [r for k, _, r in late.line_history if k == "REVIEW" and r[:1] == ("LIMIT_CUT_LATE",)]
    assert cut and late.limit_fen < late.first_limit_fen

    # the never-payer ages to M3 on a frozen line, never reviewed up
    never = got[demo_life.NEVER]
    assert (never.loan_status, never.bucket, never.line_status) == ("OVERDUE", "M3", "FROZEN")
    assert 61 <= never.days_past_due <= 90
    assert never.limit_fen == never.first_limit_fen and "COLLECTED" not in never.inbox

    # the early payoff is closed, the line whole again
    assert got[demo_life.EARLY].loan_status == "CLOSED"

    assert story.books_ok and story.as_told
    assert story.days >= 118  # four months (less the day or two that would make M3 an M4)
    for month in range(1, 5):
        assert f"Month {month}:" in out
    assert "ledger check: clean" in out
    # the portfolio report, printed, with those buckets
    assert "Portfolio as of" in out and "By bucket" in out
    buckets = _bucket_rows(out)
    assert buckets["CURRENT"] == 2 and buckets["M3"] == 1 and buckets["M4+"] == 0


def _bucket_rows(out: str) -> dict[str, int]:
    """The loans column of the report's bucket table, by bucket."""
    rows: dict[str, Any] = {}
    section = out[out.index("By bucket") :]
    for line in section.splitlines()[1:]:
        cells = [c.strip() for c in line.replace("┃", "│").split("│") if c.strip()]
        if len(cells) == 4 and cells[0] in ("CURRENT", "M1", "M2", "M3", "M4+"):
            rows[cells[0]] = int(cells[1])
        if len(rows) == 5:
            break
    return rows
