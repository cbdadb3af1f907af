"""The borrower's notifications: the inbox (`GET /v1/notifications`) and the event bus."""
