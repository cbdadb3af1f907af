"""Secrets read at run time (the PII pepper), never from a function's configuration."""
