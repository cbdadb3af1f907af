"""Secrets read at run time from SSM Parameter Store, never from a function's configuration.

A SecureString cannot be put in a Lambda environment variable by CloudFormation (`ssm-secure`
is refused there, and `resolve:ssm` of a plain String would show the value in every function's
configuration), so the functions that need a secret read it themselves, decrypted, through
Powertools' parameter provider, which caches it for the life of the container. Locally the
same code reads moto's SSM, where the local cloud put the parameter.
"""

from __future__ import annotations

from typing import Any, Protocol

# The pepper changes only by a deploy that names a new parameter version (docs/deploy.md),
# which starts new containers; the cache never has to notice a change inside one.
CACHE_SECONDS = 24 * 3600


class SecretSource(Protocol):
    def value(self) -> str:
        """The secret's current value; raises if it cannot be read."""


class SsmSecureString:
    """One SecureString parameter (`/weili/pii-pepper`, or pinned: `/weili/pii-pepper:3`)."""

    def __init__(self, name: str, client: Any, cache_seconds: int = CACHE_SECONDS) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        self.name = name
        self._provider = SSMProvider(boto3_client=client)
        self._cache_seconds = cache_seconds

    def value(self) -> str:
        found = self._provider.get(self.name, decrypt=True, max_age=self._cache_seconds)
        if not isinstance(found, str) or not found:
            raise RuntimeError(f"SSM parameter {self.name} is empty")
        return found


class StaticSecret:
    """A fixed value (unit tests)."""

    def __init__(self, value: str) -> None:
        self._value = value

    def value(self) -> str:
        return self._value
