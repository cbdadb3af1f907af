"""`lending clock show | set | advance` over a moto table: the date moves forward only, each day
passed goes through the close-of-business hook in order, refusals exit 2 and change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.businessclock.dynamo import DynamoBusinessClock
from lending_cli import clock
from lending_cli.main import main as lending

D = date(2026, 3, 2)


@pytest.fixture
def cloud(dynamodb_table) -> clock.LocalCloud:
    DynamoBusinessClock(dynamodb_table).set(D)
    return clock.LocalCloud.over(dynamodb_table)


def run(cloud: clock.LocalCloud, action: str, value=None) -> int:
    return clock.main(cloud, action, value, progress=False)


def test_show_prints_the_business_date(cloud, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cloud, "show") == 0
    assert capsys.readouterr().out == "2026-03-02\n"


def test_set_moves_forward_and_refuses_backwards(cloud, capsys) -> None:
    assert run(cloud, "set", date(2026, 3, 10)) == 0
    assert "business date 2026-03-10 (was 2026-03-02" in capsys.readouterr().out
    assert run(cloud, "set", date(2026, 3, 9)) == 2
    err = capsys.readouterr().err
    assert "2026-03-10" in err and "2026-03-09" in err and "nothing changed" in err
    assert cloud.clock.today() == date(2026, 3, 10)


def end_day(day: date, c: clock.LocalCloud, say) -> None:
    """A close that only ends the day (the real one runs the workflow: test_close_business_day)."""
    c.clock.set(day + timedelta(days=1))
    say(f"{day.isoformat()} closed")


def test_advance_closes_each_day_in_order_through_the_hook(cloud, capsys, monkeypatch) -> None:
    closed: list[date] = []

    def hook(day, c, say):
        assert c.clock.today() == day  # the day being closed is the business date until then
        closed.append(day)
        end_day(day, c, say)

    monkeypatch.setattr(clock, "close_business_day", hook)
    assert run(cloud, "advance", 3) == 0
    assert closed == [date(2026, 3, d) for d in (2, 3, 4)]
    out = capsys.readouterr().out
    assert "2026-03-02 closed" in out and "2026-03-04 closed" in out
    assert "business date 2026-03-05 (3 days closed)" in out
    assert cloud.clock.today() == date(2026, 3, 5)


def test_advance_zero_days_closes_nothing(cloud, capsys) -> None:
    assert run(cloud, "advance", 0) == 0
    assert cloud.clock.today() == D and "0 days closed" in capsys.readouterr().out


def test_a_day_that_fails_to_close_stops_advance_and_exits_1(cloud, capsys, monkeypatch) -> None:
    def hook(day, c, say):
        if day == date(2026, 3, 3):
            raise clock.DayNotClosed(f"close of business {day} FAILED")
        end_day(day, c, say)

    monkeypatch.setattr(clock, "close_business_day", hook)
    assert run(cloud, "advance", 5) == 1
    assert "close of business 2026-03-03 FAILED" in capsys.readouterr().err
    assert cloud.clock.today() == date(2026, 3, 3)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["clock", "set", "2026-02-30"], "'2026-02-30' is not a date"),
        (["clock", "set", "03/02/2026"], "write it as YYYY-MM-DD"),
        (["clock", "set", "20260302"], "write it as YYYY-MM-DD"),
        (["clock", "advance", "-1"], "'-1' is not a number of days"),
        (["clock", "advance", "1.5"], "'1.5' is not a number of days"),
        (["clock", "advance", "three"], "'three' is not a number of days"),
        (["clock", "advance", "３"], "is not a number of days"),  # a full-width digit
        (["up", "--business-date", "2026-13-01"], "'2026-13-01' is not a date"),
    ],
)
def test_bad_dates_and_days_exit_2_naming_the_problem(argv, says, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        lending(argv)
    assert stop.value.code == 2 and says in capsys.readouterr().err
