"""Credit line records as DynamoDB items (pure): PK `USER#{userId}`, SK `LINE`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalicelib.lines.port import CreditLine


def line_key(user_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": "LINE"}


def line_item(line: CreditLine, at: str) -> dict[str, Any]:
    return {
        **line_key(line.user_id),
        "type": "LINE",
        "userId": line.user_id,
        "limitFen": line.limit_fen,
        "availableFen": line.available_fen,
        "drawnFen": line.drawn_fen,
        "apr": str(line.apr),
        "grade": line.grade,
        "status": line.status,
        "version": line.version,
        "applicationId": line.application_id,
        "updatedAt": at,
    }


def line_from_item(item: dict[str, Any]) -> CreditLine:
    return CreditLine(
        item["userId"],
        int(item["limitFen"]),
        int(item["availableFen"]),
        int(item["drawnFen"]),
        Decimal(item["apr"]),
        item["grade"],
        item["status"],
        int(item["version"]),
        item["applicationId"],
    )
