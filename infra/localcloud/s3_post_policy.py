"""S3's browser-based uploads (a pre-signed POST) held to their policy, as S3 holds them.

moto's server stores whatever a POST carries: it checks neither the signature nor a single
condition of the policy, so locally a phone could upload 30 MB, another type, or under another
key, through a slot that S3 would refuse. `check` does what S3 does with the form
(docs: "Creating a POST policy", "Authenticating requests in browser-based uploads"):

- the policy is signed (SigV4: the signature over the base64 policy, with the key derived from
  the secret, the date, the region and the service of `x-amz-credential`), and not expired;
- every condition holds: `{"field": "value"}` and `["eq", "$field", "value"]` exactly,
  `["starts-with", "$field", "prefix"]`, `["content-length-range", min, max]` on the file's size
  (400 EntityTooLarge / EntityTooSmall; any other failure is 403 AccessDenied);
- every form field is named by a condition, except `policy`, `x-amz-signature`, `file` and
  `x-ignore-*` ("Extra input fields").
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

UNSIGNED_FIELDS = {"policy", "x-amz-signature", "file"}


@dataclass(frozen=True)
class S3Error:
    status: int
    code: str
    message: str
    extra: tuple[tuple[str, str], ...] = ()

    def xml(self) -> str:
        more = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in self.extra)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{escape(self.message)}</Message>{more}"
            "</Error>"
        )


def _denied(message: str) -> S3Error:
    return S3Error(403, "AccessDenied", f"Invalid according to Policy: {message}")


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def check(
    form: dict[str, str], size: int, bucket: str, secret: str, now: dt.datetime
) -> S3Error | None:
    """Why S3 would refuse this POST upload (`form`: its fields but the file), or None."""
    fields = {k.lower(): v for k, v in form.items()}
    encoded = fields.get("policy")
    if encoded is None:
        return None  # an unsigned POST: S3 takes it only into a public-write bucket, as moto does
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return S3Error(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")
    credential = fields.get("x-amz-credential", "").split("/")
    if len(credential) != 5 or "x-amz-signature" not in fields:
        return S3Error(403, "AccessDenied", "Query-string or POST signature is missing")
    _, date, region, service, _ = credential
    wanted = hmac.new(
        _signing_key(secret, date, region, service), encoded.encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(wanted, fields["x-amz-signature"]):
        return S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    expires = dt.datetime.strptime(policy["expiration"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=dt.UTC
    )
    if now >= expires:
        return _denied("Policy expired.")
    values = {**fields, "bucket": bucket}
    named: set[str] = set()
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            ((name, value),) = condition.items()
            name = name.lower()
            named.add(name)
            if values.get(name) != value:
                return _denied(f'Policy Condition failed: ["eq", "${name}", "{value}"]')
            continue
        op, *args = condition
        if op == "content-length-range":
            low, high = int(args[0]), int(args[1])
            if size > high:
                return S3Error(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    (("ProposedSize", str(size)), ("MaxSizeAllowed", str(high))),
                )
            if size < low:
                return S3Error(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    (("ProposedSize", str(size)), ("MinSizeAllowed", str(low))),
                )
            continue
        name = str(args[0]).removeprefix("$").lower()
        named.add(name)
        value = values.get(name, "")
        ok = value == args[1] if op == "eq" else value.startswith(str(args[1]))
        if not ok:
            return _denied(f'Policy Condition failed: ["{op}", "${name}", "{args[1]}"]')
    extra = sorted(
        k for k in fields if k not in named | UNSIGNED_FIELDS and not k.startswith("x-ignore-")
    )
    if extra:
        return _denied(f"Extra input fields: {', '.join(extra)}")
    return None


_installed = False


def install() -> None:
    """Hold moto's S3 POST uploads to their policy (`check`), signed with this process's key."""
    global _installed
    if _installed:
        return
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_post

    def checked(self: Any, request: Any, bucket_name: str) -> Any:
        form = {k: v for k, v in self.form_data.items() if k != "file"}
        if "policy" in {k.lower() for k in form}:
            body = self.raw_body if isinstance(self.raw_body, bytes) else b""
            refused = check(
                form,
                len(body),
                bucket_name,
                os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                dt.datetime.now(dt.UTC),
            )
            if refused is not None:
                return refused.status, {"Content-Type": "application/xml"}, refused.xml()
        return original(self, request, bucket_name)

    S3Response._bucket_response_post = checked
    _installed = True
