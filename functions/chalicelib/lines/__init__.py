"""Revolving credit lines: the port, an in-memory fake and the DynamoDB adapter."""
