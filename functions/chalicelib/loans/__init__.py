"""Loan contracts: the record, the port, an in-memory fake and the DynamoDB adapter."""
