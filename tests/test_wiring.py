"""Settings the wiring reads. Which business date "today" is: one setting chooses the clock, the
wiring hands its `today` to every service and step, and the settable clock is read on every
call. The sandbox bank's opening balance: money, or a failure at start naming the setting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib import clock
from chalicelib.businessclock.dynamo import DynamoBusinessClock
from chalicelib.config import MissingSetting, Settings
from chalicelib.wiring import Container
from tests.conftest import TABLE_NAME
from tests.fakes import make_settings


def _env(**overrides: str) -> dict[str, str]:
    s = make_settings()
    env = {Settings.ENV[name]: str(getattr(s, name)) for name in Settings.ENV}
    env.update(overrides)
    return {k: v for k, v in env.items() if v}


def test_the_setting_is_required_and_names_itself() -> None:
    env = _env()
    del env["BUSINESS_CLOCK"]
    with pytest.raises(MissingSetting, match="BUSINESS_CLOCK"):
        Settings.from_env(env)
    with pytest.raises(MissingSetting, match="BUSINESS_CLOCK must be 'wall' or 'table'"):
        Settings.from_env(_env(BUSINESS_CLOCK="local"))
    assert Settings.from_env(_env(BUSINESS_CLOCK="table")).business_clock == "table"


def test_the_wall_clock_is_the_date_in_asia_shanghai(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026-03-01 17:30 UTC is already 2026-03-02 01:30 in Beijing.
    instant = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return instant.astimezone(tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    assert clock.WallClock().today() == date(2026, 3, 2)
    assert clock.utcnow().date() == date(2026, 3, 1)  # audit timestamps stay UTC


def test_wall_setting_gives_the_wall_clock() -> None:
    c = Container(make_settings(business_clock="wall"))
    assert isinstance(c.clock, clock.WallClock)
    assert c.borrowing.today == c.clock.today


def test_table_setting_reads_the_table_on_every_call(dynamodb_table) -> None:
    # GIVEN a container on the table's clock, its services built once
    c = Container(make_settings(business_clock="table", table_name=TABLE_NAME))
    settable = DynamoBusinessClock(dynamodb_table)
    settable.set(date(2026, 3, 2))
    borrowing, origination = c.borrowing, c.origination_steps
    assert borrowing.today() == origination.today() == date(2026, 3, 2)
    # WHEN an operator moves the clock (`lending clock advance 30`)
    settable.advance(30)
    # THEN the same built services see the new date at once (no per-container cache)
    assert borrowing.today() == origination.today() == date(2026, 4, 1)
    assert c.clock.today() == date(2026, 3, 2) + timedelta(days=30)


def test_the_sandbox_banks_opening_balance_is_money_or_fails_at_start(dynamodb_table) -> None:
    assert Settings.from_env(_env()).opening_balance_fen() == 0
    s = Settings.from_env(_env(RAIL_SANDBOX_OPENING_BALANCE="500.00"))
    c = Container(s)
    assert c.rail.collect("collect:r1", "card-new", 20_000).amount_fen == 20_000
    assert c.rail.status("collect:r1").requested_fen == 20_000
    for bad in ("-1", "1.005", "lots", "NaN"):
        with pytest.raises(MissingSetting, match="RAIL_SANDBOX_OPENING_BALANCE"):
            Settings.from_env(_env(RAIL_SANDBOX_OPENING_BALANCE=bad))
