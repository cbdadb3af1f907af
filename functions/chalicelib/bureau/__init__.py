"""Credit bureau: the report we consume, the port, and a deterministic local sandbox."""

from chalicelib.bureau.report import BureauReport, CreditBureau
from chalicelib.bureau.sandbox import SandboxBureau, sandbox_report

__all__ = ["BureauReport", "CreditBureau", "SandboxBureau", "sandbox_report"]
