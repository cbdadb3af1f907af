"""The `lending` command: the local cloud, tokens, the demo, model, schedule and ledger tools."""
