"""Everything the Lambda functions need: pure domain code, services, and adapters behind small
ports."""
