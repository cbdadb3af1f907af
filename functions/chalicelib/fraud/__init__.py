"""Fraud screening: rules in `screen`, thresholds in `policy`, state behind `port.FraudStore`."""
