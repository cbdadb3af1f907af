"""Settings read once from the environment. A missing setting fails at start, naming itself."""

from __future__ import annotations

import os
from dataclasses import MISSING, dataclass, fields
from typing import ClassVar

from .amounts import yuan_to_fen


class MissingSetting(RuntimeError):
    """A required environment variable is not set; the message names it."""


BUSINESS_CLOCKS = ("wall", "table")


@dataclass(frozen=True)
class Settings:
    table_name: str
    documents_bucket: str
    origination_state_machine_arn: str
    disbursement_state_machine_arn: str
    repayment_state_machine_arn: str
    model_dir: str
    # "cognito" on AWS (JWKS), "local" in the local cloud (HS256 with a local key).
    auth_mode: str
    auth_audience: str
    auth_issuer: str
    # The SSM SecureString holding the HMAC key for hashing identifiers (ID number, device,
    # phone) that fraud checks key on; its name, optionally pinned to a version (`name:3`).
    # The value is read at run time (chalicelib/secrets/ssm.py), never from the environment.
    pii_pepper_parameter: str
    # Which business date "today" is: "wall" on AWS (the wall clock in Asia/Shanghai), "table"
    # in the local cloud (a date in the table that `lending clock set/advance` moves).
    business_clock: str
    # The EventBridge bus every borrower notification is also published on.
    event_bus_name: str
    # The close of business: its state machine (the nightly starter starts it) and where its
    # files go in the documents bucket (the day's work list, the Map's results).
    close_of_business_state_machine_arn: str
    close_of_business_prefix: str
    auth_local_key: str = ""
    auth_jwks_url: str = ""
    # The sandbox bureau behaves like a real one: it takes time and sometimes fails.
    bureau_sandbox_latency_ms: str = "20"
    bureau_sandbox_failure_rate: str = "0"
    # The sandbox bank (rail) likewise: probabilities per transfer, a latency, an RNG seed
    # (empty: a fresh seed per container, so Lambda containers do not fail in lockstep).
    rail_sandbox_decline_rate: str = "0"
    rail_sandbox_error_rate: str = "0"
    rail_sandbox_timeout_rate: str = "0"
    rail_sandbox_latency_ms: str = "0"
    rail_sandbox_seed: str = ""
    # What an account the sandbox bank has not seen holds, in yuan: "0" (empty until money is
    # deposited: `lending bank deposit`); a deployed sandbox stack may open cards with money.
    rail_sandbox_opening_balance: str = "0"

    ENV: ClassVar[dict[str, str]] = {
        "table_name": "LENDING_TABLE",
        "documents_bucket": "DOCUMENTS_BUCKET",
        "origination_state_machine_arn": "ORIGINATION_STATE_MACHINE_ARN",
        "disbursement_state_machine_arn": "DISBURSEMENT_STATE_MACHINE_ARN",
        "repayment_state_machine_arn": "REPAYMENT_STATE_MACHINE_ARN",
        "model_dir": "MODEL_DIR",
        "auth_mode": "AUTH_MODE",
        "auth_audience": "AUTH_AUDIENCE",
        "auth_issuer": "AUTH_ISSUER",
        "pii_pepper_parameter": "PII_PEPPER_PARAMETER",
        "business_clock": "BUSINESS_CLOCK",
        "event_bus_name": "EVENT_BUS_NAME",
        "close_of_business_state_machine_arn": "CLOSE_OF_BUSINESS_STATE_MACHINE_ARN",
        "close_of_business_prefix": "CLOSE_OF_BUSINESS_PREFIX",
        "auth_local_key": "AUTH_LOCAL_KEY",
        "auth_jwks_url": "AUTH_JWKS_URL",
        "bureau_sandbox_latency_ms": "BUREAU_SANDBOX_LATENCY_MS",
        "bureau_sandbox_failure_rate": "BUREAU_SANDBOX_FAILURE_RATE",
        "rail_sandbox_decline_rate": "RAIL_SANDBOX_DECLINE_RATE",
        "rail_sandbox_error_rate": "RAIL_SANDBOX_ERROR_RATE",
        "rail_sandbox_timeout_rate": "RAIL_SANDBOX_TIMEOUT_RATE",
        "rail_sandbox_latency_ms": "RAIL_SANDBOX_LATENCY_MS",
        "rail_sandbox_seed": "RAIL_SANDBOX_SEED",
        "rail_sandbox_opening_balance": "RAIL_SANDBOX_OPENING_BALANCE",
    }
    OPTIONAL = frozenset(
        {
            "auth_local_key",
            "auth_jwks_url",
            "bureau_sandbox_latency_ms",
            "bureau_sandbox_failure_rate",
        }
    )
    OPTIONAL |= {
        "rail_sandbox_decline_rate",
        "rail_sandbox_error_rate",
        "rail_sandbox_timeout_rate",
        "rail_sandbox_latency_ms",
        "rail_sandbox_seed",
        "rail_sandbox_opening_balance",
    }

    def opening_balance_fen(self) -> int | None:
        """The sandbox bank's opening balance in fen; None if the setting is not money."""
        try:
            fen = yuan_to_fen(self.rail_sandbox_opening_balance)
        except ValueError:
            return None
        return fen if fen >= 0 else None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for f in fields(cls):
            name = cls.ENV[f.name]
            value = env.get(name, "")
            if not value and f.name not in cls.OPTIONAL:
                raise MissingSetting(f"environment variable {name} is not set")
            if value or f.default is MISSING:
                values[f.name] = value
        settings = cls(**values)
        if settings.auth_mode not in {"local", "cognito"}:
            raise MissingSetting(
                f"AUTH_MODE must be 'local' or 'cognito', not {settings.auth_mode!r}"
            )
        if settings.business_clock not in BUSINESS_CLOCKS:
            raise MissingSetting(
                f"BUSINESS_CLOCK must be 'wall' or 'table', not {settings.business_clock!r}"
            )
        if settings.opening_balance_fen() is None:
            raise MissingSetting(
                "RAIL_SANDBOX_OPENING_BALANCE must be an amount in yuan >= 0 (e.g. 500.00), "
                f"not {settings.rail_sandbox_opening_balance!r}"
            )
        if not settings.close_of_business_prefix.endswith("/"):
            raise MissingSetting(
                "CLOSE_OF_BUSINESS_PREFIX must end with '/', not "
                f"{settings.close_of_business_prefix!r}"
            )
        if settings.auth_mode == "local" and not settings.auth_local_key:
            raise MissingSetting("environment variable AUTH_LOCAL_KEY is not set (AUTH_MODE=local)")
        if settings.auth_mode == "cognito" and not settings.auth_jwks_url:
            raise MissingSetting(
                "environment variable AUTH_JWKS_URL is not set (AUTH_MODE=cognito)"
            )
        return settings
