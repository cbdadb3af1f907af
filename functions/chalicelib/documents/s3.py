"""ID-card photos in S3: pre-signed uploads for the phone, reads for OCR."""

from __future__ import annotations

from typing import Any

from .port import PresignedPost


class S3BlobStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        # boto3 adds the bucket and the exact key to the conditions; S3 refuses an upload that
        # breaks one (EntityTooLarge past the range) or carries a field the policy does not name.
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedPost(post["url"], dict(post["fields"]))

    def read(self, key: str, limit: int) -> bytes:
        try:
            got = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{limit - 1}")
        except self._s3.exceptions.ClientError as exc:
            # A range of an empty object is unsatisfiable: the object is those zero bytes.
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""
            raise
        body: bytes = got["Body"].read()
        return body[:limit]

    def exists(self, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True
