"""Pure money domain: repayment schedules and loan servicing math (no I/O, no boto3)."""
