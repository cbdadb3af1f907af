"""KYC services: free of storage; the wiring passes the OCR engine and stores the results."""

from __future__ import annotations

import datetime as dt

from chalicelib.kyc.fields import ExtractedFields, extract_fields
from chalicelib.kyc.matching import KycResult, match_identity
from chalicelib.kyc.port import OcrEngine


def extract_document(ocr: OcrEngine, image_bytes: bytes) -> ExtractedFields:
    """OCR one photo of the card (either side) and read its fields.

    Runs when the photo lands in the bucket. For a front and a back photo, merge the two:
    `front.merged(back)`. Never raises on a bad photo: missing fields come back as None.
    """
    return extract_fields(ocr.read(image_bytes))


def verify_identity(
    extracted: ExtractedFields, declared_name: str, declared_id: str, today: dt.date
) -> KycResult:
    """Check the card against the applicant's declaration; reasons say why it fails."""
    return match_identity(extracted, declared_name, declared_id, today)
