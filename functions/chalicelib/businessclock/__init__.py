"""The settable business clock: the business date the local cloud is on, kept as a store."""
