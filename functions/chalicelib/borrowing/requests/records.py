"""Draw and repayment requests as DynamoDB items, and their writes (pure).

Draw:      PK `LOAN#{loanId}` SK `DRAW`, GSI1PK `USER#{userId}` GSI1SK `DRAW#{createdAt}#{loanId}`
Repayment: PK `LOAN#{loanId}` SK `REPAY#{repaymentId}`
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .port import PENDING, Draw, Repayment


def draw_key(loan_id: str) -> dict[str, str]:
    return {"PK": f"LOAN#{loan_id}", "SK": "DRAW"}


def repayment_key(loan_id: str, repayment_id: str) -> dict[str, str]:
    return {"PK": f"LOAN#{loan_id}", "SK": f"REPAY#{repayment_id}"}


def draw_item(d: Draw) -> dict[str, Any]:
    item = {
        **draw_key(d.loan_id),
        "GSI1PK": f"USER#{d.user_id}",
        "GSI1SK": f"DRAW#{d.created_at}#{d.loan_id}",
        "type": "DRAW",
        "loanId": d.loan_id,
        "userId": d.user_id,
        "amountFen": d.amount_fen,
        "termMonths": d.term_months,
        "method": d.method,
        "startDate": d.start,
        "apr": str(d.apr),
        "createdAt": d.created_at,
        "updatedAt": d.updated_at or d.created_at,
        "status": d.status,
    }
    if d.failure:
        item["failure"] = d.failure
    return item


def draw_from_item(i: dict[str, Any]) -> Draw:
    return Draw(
        loan_id=i["loanId"],
        user_id=i["userId"],
        amount_fen=int(i["amountFen"]),
        term_months=int(i["termMonths"]),
        method=i["method"],
        start=i["startDate"],
        apr=Decimal(i["apr"]),
        created_at=i["createdAt"],
        status=i["status"],
        failure=i.get("failure"),
        updated_at=i.get("updatedAt", ""),
    )


def repayment_item(r: Repayment) -> dict[str, Any]:
    item = {
        **repayment_key(r.loan_id, r.repayment_id),
        "type": "REPAYMENT",
        "repaymentId": r.repayment_id,
        "loanId": r.loan_id,
        "userId": r.user_id,
        "amountFen": r.amount_fen,
        "on": r.on,
        "createdAt": r.created_at,
        "updatedAt": r.updated_at or r.created_at,
        "status": r.status,
    }
    if r.failure:
        item["failure"] = r.failure
    return item


def repayment_from_item(i: dict[str, Any]) -> Repayment:
    return Repayment(
        repayment_id=i["repaymentId"],
        loan_id=i["loanId"],
        user_id=i["userId"],
        amount_fen=int(i["amountFen"]),
        on=i["on"],
        created_at=i["createdAt"],
        status=i["status"],
        failure=i.get("failure"),
        updated_at=i.get("updatedAt", ""),
    )


def put_new_request(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "PK"},
    }


def end_request(
    table_name: str,
    key: dict[str, str],
    status: str,
    failure: str | None,
    at: str,
    from_status: str = PENDING,
) -> dict[str, Any]:
    """Move `from_status` (PENDING; STUCK when an operator resolves it) -> status once; the
    failure code is kept for the API."""
    return {
        "TableName": table_name,
        "Key": key,
        "UpdateExpression": "SET #s = :s, #f = :f, #u = :u",
        "ConditionExpression": "#s = :pending",
        "ExpressionAttributeNames": {"#s": "status", "#f": "failure", "#u": "updatedAt"},
        "ExpressionAttributeValues": {
            ":s": status,
            ":f": failure,
            ":u": at,
            ":pending": from_status,
        },
        "ReturnValues": "ALL_NEW",
    }
