"""The API's abuse limits, enforced by the local API as AWS enforces them in front of ours.

infra/resources.yaml declares them once (the parameters ApiThrottleRate, ApiThrottleBurst,
CallerRequestLimit, CallerWindowSeconds): on AWS, stage throttling (the RestAPI's
MethodSettings, answered by its THROTTLED gateway response) and a WAF web ACL whose rate-based
rules count requests per caller. `ApiLimits.from_template` reads those same resources, so a
client developer meets locally the numbers and the answers (429, `Retry-After`, the problem
body) that the deployed API gives:

- stage throttling: a token bucket over all requests, `rate` a second, `burst` deep;
- a rule keyed on a header (the caller's `Authorization`: one bearer token, one caller): at
  most `limit` requests in any `window` seconds; requests without the header are not counted,
  as WAF omits a request that lacks an aggregation key.

Rules keyed on the client's address are declared for AWS and not enforced here: every local
client is 127.0.0.1, so a developer's load test would be throttled as one phone. Where this
differs from AWS: WAF checks rates every few seconds and "near the limit", not exactly; this
counts each admitted request at once (a refused one is not counted).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class TokenBucket:
    rate: float
    burst: int
    _tokens: float = field(init=False)
    _at: float | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)

    def take(self, now: float) -> bool:
        with self._lock:
            if self._at is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


@dataclass
class SlidingWindow:
    """At most `limit` requests per key in any `window` seconds."""

    limit: int
    window: float
    _seen: dict[str, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _swept: float = field(default=0.0, init=False)

    def take(self, key: str, now: float) -> bool:
        with self._lock:
            if now - self._swept > self.window:
                self._sweep(now)
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            return True

    def _sweep(self, now: float) -> None:
        # Callers that went quiet are forgotten, so a long-running cloud does not keep every
        # token it ever saw.
        self._seen = {k: q for k, q in self._seen.items() if q and q[-1] > now - self.window}
        self._swept = now


@dataclass(frozen=True)
class CallerRule:
    header: str  # lower-case name of the header whose value is the caller
    counter: SlidingWindow
    refusal: Refusal


@dataclass
class ApiLimits:
    stage: TokenBucket | None = None
    stage_refusal: Refusal | None = None
    callers: list[CallerRule] = field(default_factory=list)

    def admit(self, headers: dict[str, str], now: float) -> Refusal | None:
        """None if the request may reach the API, else the answer it gets instead. WAF comes
        before API Gateway, so a caller over its limit does not spend the stage's tokens."""
        for rule in self.callers:
            caller = headers.get(rule.header)
            if caller and not rule.counter.take(caller, now):
                return rule.refusal
        if self.stage is not None and not self.stage.take(now):
            return self.stage_refusal
        return None

    @classmethod
    def from_template(cls, resources: dict[str, Any], resolve: Any) -> ApiLimits:
        """The limits the template's API and web ACLs declare (`resolve` fills intrinsics)."""
        limits = cls()
        for res in resources.values():
            if res["Type"] == "AWS::Serverless::Api":
                # Only what the limits read: the rest (access logs, tracing) is AWS's alone.
                props = res.get("Properties", {})
                read = {
                    k: resolve(props.get(k, {})) for k in ("MethodSettings", "GatewayResponses")
                }
                limits.stage, limits.stage_refusal = _stage_throttling(read)
            elif res["Type"] == "AWS::WAFv2::WebACL":
                limits.callers += _caller_rules(resolve(res["Properties"]))
        return limits


def _stage_throttling(api: dict[str, Any]) -> tuple[TokenBucket | None, Refusal | None]:
    for setting in api.get("MethodSettings", []):
        if setting.get("ResourcePath") == "/*" and setting.get("HttpMethod") == "*":
            bucket = TokenBucket(
                float(setting["ThrottlingRateLimit"]), int(setting["ThrottlingBurstLimit"])
            )
            answer = api.get("GatewayResponses", {}).get("THROTTLED")
            if answer is None:  # API Gateway's own answer
                return bucket, Refusal(
                    429, {"Content-Type": "application/json"}, b'{"message":"Too Many Requests"}'
                )
            headers = {
                name: value.strip("'")
                for name, value in answer.get("ResponseParameters", {}).get("Headers", {}).items()
            }
            body = answer.get("ResponseTemplates", {}).get("application/json", "")
            return bucket, Refusal(int(answer.get("StatusCode", 429)), headers, body.encode())
    return None, None


def _caller_rules(acl: dict[str, Any]) -> list[CallerRule]:
    bodies = acl.get("CustomResponseBodies", {})
    out = []
    for rule in acl.get("Rules", []):
        rate = rule.get("Statement", {}).get("RateBasedStatement")
        block = rule.get("Action", {}).get("Block")
        if rate is None or block is None:
            continue
        keys = rate.get("CustomKeys", []) if rate.get("AggregateKeyType") == "CUSTOM_KEYS" else []
        headers = [k["Header"]["Name"].lower() for k in keys if set(k) == {"Header"}]
        if len(headers) != 1 or len(keys) != 1:
            continue  # keyed on the address (or on more than one thing): see the docstring
        answer = block.get("CustomResponse", {})
        body = bodies.get(answer.get("CustomResponseBodyKey"), {})
        content_type = {"APPLICATION_JSON": "application/json", "TEXT_PLAIN": "text/plain"}.get(
            body.get("ContentType", ""), "text/html"
        )
        response_headers = {"Content-Type": content_type}
        response_headers |= {h["Name"]: str(h["Value"]) for h in answer.get("ResponseHeaders", [])}
        content = body.get("Content", "")
        if content_type == "application/json":
            json.loads(content)  # the template's body must be JSON, as WAF checks on deploy
        out.append(
            CallerRule(
                headers[0],
                SlidingWindow(int(rate["Limit"]), float(rate.get("EvaluationWindowSec", 300))),
                Refusal(int(answer.get("ResponseCode", 403)), response_headers, content.encode()),
            )
        )
    return out
