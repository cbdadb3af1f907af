"""Fraud screening: rules in `screen`, thresholds in `FraudPolicy`, state behind two ports."""

from chalicelib.fraud.blacklisting import blacklist_value
from chalicelib.fraud.dynamodb import DynamoDBBlacklist, DynamoDBFraudCounters
from chalicelib.fraud.identifiers import hash_identifier
from chalicelib.fraud.model import BlacklistEntry, FraudInput, FraudResult, Sighting
from chalicelib.fraud.policy import DEFAULT_FRAUD_POLICY, FraudPolicy
from chalicelib.fraud.ports import (
    Blacklist,
    FraudCounters,
    InMemoryBlacklist,
    InMemoryFraudCounters,
    MemberAdd,
)
from chalicelib.fraud.screen import screen

__all__ = [
    "DEFAULT_FRAUD_POLICY",
    "Blacklist",
    "BlacklistEntry",
    "DynamoDBBlacklist",
    "DynamoDBFraudCounters",
    "FraudCounters",
    "FraudInput",
    "FraudPolicy",
    "FraudResult",
    "InMemoryBlacklist",
    "InMemoryFraudCounters",
    "MemberAdd",
    "Sighting",
    "blacklist_value",
    "hash_identifier",
    "screen",
]
