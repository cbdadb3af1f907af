"""The secret port: one secret's current value, read when a step needs it.

A SecureString cannot be put in a Lambda environment variable by CloudFormation (`ssm-secure`
is refused there, and `resolve:ssm` of a plain String would show the value in every function's
configuration), so the one function that needs the secret reads it itself, at run time.
"""

from __future__ import annotations

from typing import Protocol


class SecretUnavailable(RuntimeError):
    """The secret could not be read, or is empty; the message names it, never its value."""


class Secret(Protocol):
    def value(self) -> str:
        """The secret's value; raises SecretUnavailable if it cannot be read or is empty."""
        ...
