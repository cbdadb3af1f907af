"""What AWS hands our functions besides workflow states: S3's upload notifications."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict

from ..documents.port import PREFIX, document_id_from_key


class S3Event(BaseModel):
    model_config = ConfigDict(extra="ignore")

    Records: list[dict[str, Any]]

    def document_ids(self) -> list[str]:
        ids = []
        for record in self.Records:
            key = unquote_plus(record["s3"]["object"]["key"])
            if key.startswith(PREFIX):
                ids.append(document_id_from_key(key))
        return ids
