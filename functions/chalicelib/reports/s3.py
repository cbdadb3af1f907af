"""Report files in S3 (the documents bucket, under `reports/`), through the aws Clients' S3
client. Server-side encryption is the bucket's default (AES256, infra/resources.yaml)."""

from __future__ import annotations

from typing import Any

from .port import StoredFile, sha256


class S3ReportFiles:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def put(self, key: str, body: bytes, content_type: str) -> StoredFile:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)
        return StoredFile(key, len(body), sha256(body))

    def get(self, key: str) -> bytes | None:
        try:
            body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None
        return body
