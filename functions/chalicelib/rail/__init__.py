"""The payment rail: a port (`Rail`) and a local sandbox bank that behaves like one."""
