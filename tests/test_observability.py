"""Which event fields become log correlation ids (chalicelib/observability.py)."""

from __future__ import annotations

from chalicelib.observability import correlation_keys


def test_a_step_is_correlated_by_the_most_specific_id_it_carries() -> None:
    keys = correlation_keys({"loanId": "loan_1", "repaymentId": "rep_2", "userId": "u-3"})
    assert keys == {"loan_id": "loan_1", "repayment_id": "rep_2", "correlation_id": "rep_2"}


def test_a_close_of_business_step_is_correlated_by_the_date_its_execution_is_named_after() -> None:
    keys = correlation_keys({"businessDate": "2026-04-02", "loanIds": ["loan_1"]})
    assert keys == {"business_date": "2026-04-02", "correlation_id": "2026-04-02"}


def test_values_not_shaped_like_ids_never_reach_a_log() -> None:
    assert correlation_keys({"applicationId": "张三 110101199003071234", "documentId": 7}) == {}
