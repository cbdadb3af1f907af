"""Double-entry ledger: balanced journal entries (domain) and their DynamoDB representation."""
