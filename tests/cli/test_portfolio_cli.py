"""`lending portfolio report` over a moto table holding a small book computed by hand
(tests/reports/book.py): the JSON figures, the tables, the plot; refusals exit 2."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from chalicelib.businessclock.dynamo import DynamoBusinessClock
from chalicelib.loans.dynamo import DynamoLoans
from lending_cli import local, state
from lending_cli.main import main as lending
from tests.reports.book import AS_OF, seeded


@pytest.fixture
def cloud(dynamodb_table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The running local cloud as the command finds it: a state file, the table, the clock."""
    loans = DynamoLoans(dynamodb_table)
    for record in seeded():
        loans.create(record)
    DynamoBusinessClock(dynamodb_table).set(AS_OF)
    running = tmp_path / "local.json"
    running.write_text(json.dumps({"table": dynamodb_table.name, "awsEndpoint": "moto"}))
    monkeypatch.setattr(state, "STATE_FILE", running)
    monkeypatch.setattr(local, "local_table", lambda: dynamodb_table)
    return dynamodb_table


def test_json_has_the_books_figures(cloud, capsys) -> None:
    assert lending(["portfolio", "report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["asOf"] == "2026-06-30"  # the business date
    s = report["summary"]
    assert (s["loans"], s["outstandingPrincipalFen"], s["nplRatio"]) == (3, 3_000_000, "0.3333")
    assert (s["interestReceivableFen"], s["penaltyReceivableFen"]) == (49_400, 29_925)
    assert s["buckets"]["M1"] == {"loans": 1, "balanceFen": 1_000_000}
    assert (s["closed"], s["writtenOff"], s["writtenOffPrincipalFen"]) == (1, 1, 1_000_000)
    june = report["rollRates"][-1]
    assert (june["from"], june["to"]) == ("2026-05-31", "2026-06-30")
    assert june["rates"]["CURRENT"]["M1"] == "0.5000"
    assert report["vintages"]["2026-01"] == {
        "loans": 1,
        "principalFen": 1_000_000,
        "dpd30Plus": ["0.0000", "0.0000", "1.0000", "1.0000", "1.0000", "1.0000"],
    }


def test_as_of_an_earlier_day(cloud, capsys) -> None:
    assert lending(["portfolio", "report", "--json", "--as-of", "2026-03-01"]) == 0
    s = json.loads(capsys.readouterr().out)["summary"]
    assert (s["loans"], s["interestReceivableFen"], s["penaltyReceivableFen"]) == (
        2,
        40_200,
        23_700,
    )


def test_the_tables_a_person_reads(cloud, capsys) -> None:
    assert lending(["portfolio", "report"]) == 0
    out = capsys.readouterr().out
    for text in (
        "Portfolio as of 2026-06-30",
        "¥30,000.00",  # outstanding principal
        "¥494.00",  # interest receivable
        "¥299.25",  # penalty receivable
        "33.33%",  # NPL ratio, and each bucket's share
        "Roll rates 2026-05-31 → 2026-06-30",
        "50.00%",
        "Vintages",
        "2026-01",
        "100.00%",
    ):
        assert text in out, text


def test_the_plot_is_a_readable_png(cloud, tmp_path: Path, capsys) -> None:
    from PIL import Image

    png = tmp_path / "portfolio.png"
    assert lending(["portfolio", "report", "--plot", str(png)]) == 0
    assert "plot written to" in capsys.readouterr().err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 30_000
    img = Image.open(png).convert("RGB")
    assert img.size == (1560, 660)
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 500  # lines, bars, text: not a blank canvas


def test_a_day_after_the_business_date_is_refused(cloud, capsys) -> None:
    assert lending(["portfolio", "report", "--as-of", "2026-07-01"]) == 2
    assert "after the business date 2026-06-30" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["2026-13-01", "30/06/2026", "yesterday"])
def test_a_bad_date_exits_2(bad, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        lending(["portfolio", "report", "--as-of", bad])
    assert stop.value.code == 2 and "is not a date" in capsys.readouterr().err


@pytest.mark.parametrize(
    "path,why",
    [("nowhere/at/all/p.png", "does not exist"), ("p.jpg", "name it FILE.png")],
)
def test_a_plot_path_that_cannot_be_written_exits_2(cloud, tmp_path, path, why, capsys) -> None:
    target = tmp_path / path
    assert lending(["portfolio", "report", "--plot", str(target)]) == 2
    assert why in capsys.readouterr().err and not target.exists()


def test_nothing_running_exits_2(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(state, "STATE_FILE", tmp_path / "none.json")
    assert lending(["portfolio", "report"]) == 2
    assert "no local cloud is running" in capsys.readouterr().err


def test_an_empty_book(dynamodb_table, tmp_path, monkeypatch, capsys) -> None:
    DynamoBusinessClock(dynamodb_table).set(date(2026, 3, 2))
    running = tmp_path / "local.json"
    running.write_text("{}")
    monkeypatch.setattr(state, "STATE_FILE", running)
    monkeypatch.setattr(local, "local_table", lambda: dynamodb_table)
    png = tmp_path / "empty.png"
    assert lending(["portfolio", "report", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "Open loans" in out and "no loan was open at a month end" in out
    assert "no loan drawn yet" in out
    assert png.exists()
