"""Proving the books: the ledger against loans, lines, requests and the bank's transfers."""
