"""Demo data: synthetic documents for the local cloud, the demo script and the tests."""
