"""Uploaded ID-card photos: the record and its store, and the photos themselves (S3)."""
