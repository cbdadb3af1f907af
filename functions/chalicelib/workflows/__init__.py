"""Starting and completing workflow executions (Step Functions)."""
