"""Credit line records as DynamoDB items, and the requests that write and read them (pure).

Items in the user's partition, PK `USER#{userId}`:
- SK `LINE`: the line (limitFen, availableFen, drawnFen, apr, grade, status, statusReason,
  openedOn, nextReviewOn, lastReviewedOn, version, applicationId, updatedAt) and historySeq,
  the number of history items (each change's write moves it by one, conditioned on the value
  read, so two changes never take the same number).
- SK `LINEHIST#{seq:010d}`: the line's seq-th change (opening, status, review) with its
  reasons; the history, newest first, is a reverse query on the prefix.
- SK `LINECHG#{changeId}`: the claim of a change id, written in the change's transaction, so a
  retried change (same id, another `at`) fails its condition and changes nothing.

Markers for the close of business (keys only, see below): `FROZEN_LINES#{nn}` / `USER#{userId}`
while the line is FROZEN; `LINE_REVIEWS#{yyyy-mm-dd}#{nn}` / `USER#{userId}` on its next review.
"""

from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.lines.port import CreditLine, LineChange
from chalicelib.reasons import Reason

HISTORY_PREFIX = "LINEHIST#"
CLAIM_PREFIX = "LINECHG#"
HISTORY_SEQ = "historySeq"


def history_seq(item: dict[str, Any]) -> int:
    """How many history items the line has (0 for a line written before the history)."""
    return int(item.get(HISTORY_SEQ, 0))


def line_key(user_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": "LINE"}


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _days(**days: date | None) -> dict[str, str]:
    return {k: d.isoformat() for k, d in days.items() if d is not None}


def line_item(line: CreditLine, at: str, seq: int = 1) -> dict[str, Any]:
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
        "statusReason": line.status_reason,
        "version": line.version,
        "applicationId": line.application_id,
        "updatedAt": at,
        HISTORY_SEQ: seq,  # the opening is the history's first item
        **_days(
            openedOn=line.opened_on,
            nextReviewOn=line.next_review_on,
            lastReviewedOn=line.last_reviewed_on,
        ),
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
        _day(item.get("openedOn")),
        _day(item.get("nextReviewOn")),
        _day(item.get("lastReviewedOn")),
        str(item.get("statusReason") or ""),
    )


def history_key(user_id: str, change: LineChange) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": HISTORY_PREFIX + change.position}


def claim_key(user_id: str, change_id: str) -> dict[str, str]:
    return {"PK": f"USER#{user_id}", "SK": CLAIM_PREFIX + change_id}


def history_item(user_id: str, change: LineChange) -> dict[str, Any]:
    return {
        **history_key(user_id, change),
        "type": "LINE_CHANGE",
        "userId": user_id,
        "changeId": change.change_id,
        "kind": change.kind,
        "at": change.at,
        "statusBefore": change.status_before,
        "status": change.status,
        "limitBeforeFen": change.limit_before_fen,
        "limitFen": change.limit_fen,
        "aprBefore": str(change.apr_before),
        "apr": str(change.apr),
        "gradeBefore": change.grade_before,
        "grade": change.grade,
        "reasons": [r.as_dict() for r in change.reasons],
        **_days(on=change.on, nextReviewOn=change.next_review_on),
    }


def change_from_item(item: dict[str, Any]) -> LineChange:
    return LineChange(
        str(item["changeId"]),
        str(item["kind"]),
        str(item["at"]),
        str(item["statusBefore"]),
        str(item["status"]),
        int(item["limitBeforeFen"]),
        int(item["limitFen"]),
        Decimal(item["aprBefore"]),
        Decimal(item["apr"]),
        str(item["gradeBefore"]),
        str(item["grade"]),
        tuple(Reason(str(r["code"]), str(r["text"])) for r in item.get("reasons") or ()),
        _day(item.get("on")),
        _day(item.get("nextReviewOn")),
        int(str(item["SK"]).removeprefix(HISTORY_PREFIX)),
    )


def put_history_tx(table: str, user_id: str, change: LineChange) -> dict[str, Any]:
    return {
        "Put": {
            "TableName": table,
            "Item": history_item(user_id, change),
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "PK"},
        }
    }


def claim_tx(table: str, user_id: str, change_id: str, at: str) -> dict[str, Any]:
    """Claim a change id once: a retry of the change fails here and the whole write with it."""
    return {
        "Put": {
            "TableName": table,
            "Item": {
                **claim_key(user_id, change_id),
                "type": "LINE_CHANGE_CLAIM",
                "changeId": change_id,
                "at": at,
            },
            "ConditionExpression": "attribute_not_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": "PK"},
        }
    }


def _seq_condition(seq_before: int) -> tuple[str, dict[str, Any]]:
    """The history count is still the one read (absent on a line older than the history)."""
    if seq_before == 0:
        return "attribute_not_exists(#hs)", {}
    return "#hs = :hsBefore", {":hsBefore": seq_before}


def set_status_tx(table: str, user_id: str, change: LineChange, reason: str) -> dict[str, Any]:
    """Applies only if the status and the history count are still the ones read (a
    concurrent change re-reads)."""
    seq_cond, seq_values = _seq_condition(change.seq - 1)
    return {
        "Update": {
            "TableName": table,
            "Key": line_key(user_id),
            "UpdateExpression": (
                "SET #st = :st, #why = :why, #hs = :hs, #ver = #ver + :one, #upd = :at"
            ),
            "ConditionExpression": f"attribute_exists(#pk) AND #st = :before AND {seq_cond}",
            "ExpressionAttributeNames": {
                "#st": "status",
                "#why": "statusReason",
                "#hs": HISTORY_SEQ,
                "#ver": "version",
                "#upd": "updatedAt",
                "#pk": "PK",
            },
            "ExpressionAttributeValues": {
                ":st": change.status,
                ":why": reason,
                ":before": change.status_before,
                ":hs": change.seq,
                ":one": 1,
                ":at": change.at,
                **seq_values,
            },
        }
    }


def apply_review_tx(
    table: str,
    user_id: str,
    change: LineChange,
    last_reviewed_on: date,
    next_review_on: date,
) -> dict[str, Any]:
    """The review's new terms, conditioned on the line being the one it was computed on (limit
    and APR) and on what is drawn at write time fitting the new limit; available is derived
    from drawn in the same write, so a draw racing the review cannot break limit = available
    + drawn."""
    seq_cond, seq_values = _seq_condition(change.seq - 1)
    return {
        "Update": {
            "TableName": table,
            "Key": line_key(user_id),
            "UpdateExpression": (
                "SET #lim = :lim, #av = :lim - #dr, #apr = :apr, #grade = :grade, "
                "#last = :last, #next = :next, #hs = :hs, #ver = #ver + :one, #upd = :at"
            ),
            "ConditionExpression": (
                "attribute_exists(#pk) AND #lim = :limBefore AND #apr = :aprBefore "
                f"AND #dr <= :lim AND {seq_cond}"
            ),
            "ExpressionAttributeNames": {
                "#pk": "PK",
                "#lim": "limitFen",
                "#av": "availableFen",
                "#dr": "drawnFen",
                "#apr": "apr",
                "#grade": "grade",
                "#last": "lastReviewedOn",
                "#next": "nextReviewOn",
                "#hs": HISTORY_SEQ,
                "#ver": "version",
                "#upd": "updatedAt",
            },
            "ExpressionAttributeValues": {
                ":hs": change.seq,
                **seq_values,
                ":lim": change.limit_fen,
                ":limBefore": change.limit_before_fen,
                ":apr": str(change.apr),
                ":aprBefore": str(change.apr_before),
                ":grade": change.grade,
                ":last": last_reviewed_on.isoformat(),
                ":next": next_review_on.isoformat(),
                ":one": 1,
                ":at": change.at,
            },
        }
    }


def history_request(table: str, user_id: str, before: str | None, limit: int) -> dict[str, Any]:
    """Newest first; one item more than the page, so the page knows whether more remain."""
    pk = f"USER#{user_id}"
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :hist)",
        "ExpressionAttributeNames": {"#pk": "PK", "#sk": "SK"},
        "ExpressionAttributeValues": {":pk": pk, ":hist": HISTORY_PREFIX},
        "ScanIndexForward": False,
        "ConsistentRead": True,
        "Limit": limit + 1,
    }
    if before is not None:
        request["ExclusiveStartKey"] = {"PK": pk, "SK": HISTORY_PREFIX + before}
    return request


# The close of business's lines to serve: a marker per FROZEN line (written with the freeze,
# deleted with the thaw, so a cure the borrower paid is seen by the next close) and a marker per
# line under the date of its next review (written when the line opens and when a review moves
# the date). A Query per shard reads them, keys only: the nightly list never scans the table.
# Sharded like the open-loan markers, so one partition never holds every line.
LINE_SHARDS = 16
FROZEN_LINES_PREFIX = "FROZEN_LINES#"
LINE_REVIEWS_PREFIX = "LINE_REVIEWS#"
LINE_MARKER_PREFIX = "USER#"


def _line_shard(user_id: str) -> int:
    return zlib.crc32(user_id.encode()) % LINE_SHARDS


def frozen_lines_partition(shard: int) -> str:
    return f"{FROZEN_LINES_PREFIX}{shard:02d}"


def line_reviews_partition(day: date, shard: int) -> str:
    return f"{LINE_REVIEWS_PREFIX}{day.isoformat()}#{shard:02d}"


def frozen_marker_key(user_id: str) -> dict[str, str]:
    return {"PK": frozen_lines_partition(_line_shard(user_id)), "SK": LINE_MARKER_PREFIX + user_id}


def review_marker_key(user_id: str, day: date) -> dict[str, str]:
    return {
        "PK": line_reviews_partition(day, _line_shard(user_id)),
        "SK": LINE_MARKER_PREFIX + user_id,
    }


def put_marker_tx(table: str, key: dict[str, str], kind: str) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": {**key, "type": kind}}}


def delete_marker_tx(table: str, key: dict[str, str]) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": key}}


def marker_query(table: str, partition: str, start: dict[str, Any] | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {"#pk": "PK"},
        "ExpressionAttributeValues": {":pk": partition},
        "ProjectionExpression": "SK",
    }
    if start is not None:
        request["ExclusiveStartKey"] = start
    return request


def user_of_marker(item: dict[str, Any]) -> str:
    return str(item["SK"]).removeprefix(LINE_MARKER_PREFIX)
