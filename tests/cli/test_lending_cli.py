"""The `lending` command routes each subcommand to its module."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lending_cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_schedule_prints_the_json_the_issue_specifies(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "schedule",
            "--principal",
            "10000",
            "--apr",
            "12",
            "--months",
            "6",
            "--method",
            "equal-installment",
            "--start",
            "2024-01-15",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["installments"]) == 6
    assert out["installments"][0]["dueDate"] == "2024-02-15"
    assert out["installments"][-1]["balance"] == "0.00"
    assert sum(float(i["principal"]) for i in out["installments"]) == pytest.approx(10000.00)


def test_model_score_runs_through_the_lending_command(tmp_path: Path) -> None:
    rows = list(csv.DictReader((ROOT / "models" / "data" / "german_credit.csv").open()))[:5]
    data = tmp_path / "in.csv"
    with data.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "scored.csv"
    assert (
        main(
            [
                "model",
                "score",
                "--model",
                str(ROOT / "models" / "german"),
                "--data",
                str(data),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    scored = list(csv.DictReader(out.open()))
    assert len(scored) == 5 and all(0 < float(r["pd"]) < 1 for r in scored)


def test_token_needs_a_running_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lending_cli import state

    monkeypatch.setattr(state, "STATE_FILE", tmp_path / "none.json")
    with pytest.raises(SystemExit, match="lending up"):
        main(["token", "alice"])


def test_sample_gives_a_photo_and_an_application_of_the_same_person(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from chalicelib.api.models import ApplicationRequest
    from lending_cli.sample import applicant

    assert main(["sample", "application", "doc_0000000000000000000000000a", "--seed", "7000"]) == 0
    body = json.loads(capsys.readouterr().out)
    ApplicationRequest.model_validate(body)  # what the API takes, exactly
    a = applicant("good", 7000)
    assert (
        body["declared"]["idNumber"] == a.person.id_number
        and body["declared"]["name"] == a.person.name
    )  # type: ignore[attr-defined]
    assert a.photo()[:3] == b"\xff\xd8\xff"  # type: ignore[attr-defined]
    assert main(["sample", "application"]) == 2  # the document id is required


def test_another_seed_gives_another_person_and_the_same_seed_the_same() -> None:
    from lending_cli.sample import applicant

    people = [applicant("good", seed).person.id_number for seed in (1, 2, 3)]  # type: ignore[attr-defined]
    assert len(set(people)) == 3, people
    assert applicant("good", 2).person.id_number == people[1]  # type: ignore[attr-defined]
