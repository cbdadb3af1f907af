"""The OCR function's handler (ExtractDocument, a container image: infra/ocr-image/).

An entry point like app.py, and its own module: app.py imports chalice, which the image does
not install. What this imports is all in infra/ocr-image/requirements.txt
(tests/infra/test_ocr_image.py builds an environment from exactly that file and reads a card
through this handler). No chalicelib module imports this one (pyproject.toml, import-linter).
"""

from __future__ import annotations

from typing import Any

from . import wiring
from .api.events import S3Event
from .observability import logged


def _first_document(event: dict[str, Any]) -> dict[str, Any]:
    ids = S3Event.model_validate(event).document_ids()
    return {"documentId": ids[0]} if len(ids) == 1 else {}


@logged(_first_document)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """S3 ObjectCreated under id-cards/: read each photo and store what OCR found."""
    return wiring.container().kyc.read_uploads(S3Event.model_validate(event).document_ids())
