"""A secret in SSM Parameter Store: a SecureString, decrypted, cached for the container's life.

Powertools' SSM provider does the reading and the caching. The client comes from
chalicelib/aws.py; locally it reads moto's SSM, where the local cloud put the parameter.
"""

from __future__ import annotations

from typing import Any

from .port import SecretUnavailable

# The pepper changes only by a deploy that names a new parameter version (docs/deploy.md),
# which starts new containers; the cache never has to notice a change inside one.
CACHE_SECONDS = 24 * 3600


class SsmSecureString:
    """One SecureString parameter (`/weili/pii-pepper`, or pinned: `/weili/pii-pepper:3`)."""

    def __init__(self, name: str, client: Any, cache_seconds: int = CACHE_SECONDS) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        self.name = name
        self._provider = SSMProvider(boto3_client=client)
        self._cache_seconds = cache_seconds

    def value(self) -> str:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            found = self._provider.get(self.name, decrypt=True, max_age=self._cache_seconds)
        except GetParameterError as exc:
            # The provider's message is the service's error (ParameterNotFound, AccessDenied).
            raise SecretUnavailable(f"SSM parameter {self.name}: {exc}") from None
        if not isinstance(found, str) or not found:
            raise SecretUnavailable(f"SSM parameter {self.name} is empty")
        return found
