"""`Idempotency-Key`: a repeated request returns the first response, never a second effect."""
