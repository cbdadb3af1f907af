"""Credit bureau: the report we consume (`report`), the port, and a local sandbox bureau."""
