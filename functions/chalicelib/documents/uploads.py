"""What an upload must be before OCR decodes a byte of it: no larger than the cap, and an image
of the type its slot was made for (by its magic bytes, not by what the client said).

The bucket's POST policy already holds uploads to the cap and the type header; this is the
second line, for anything that reached the bucket another way, and the only check of content.
"""

from __future__ import annotations

from ..reasons import Reason
from .port import MAX_UPLOAD_BYTES

TOO_LARGE = Reason(
    "UPLOAD_TOO_LARGE",
    f"The photo is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB. "
    "Please upload a smaller photo of the front of your ID card.",
)
NOT_AN_IMAGE = Reason(
    "UPLOAD_NOT_AN_IMAGE",
    "The upload is not a JPEG or PNG photo of the type you asked to upload. "
    "Please upload a photo of the front of your ID card.",
)
REFUSALS = {r.code: r for r in (TOO_LARGE, NOT_AN_IMAGE)}

SIGNATURES = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


def refusal(content_type: str, head: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> Reason | None:
    """Why an upload is refused unread, or None. `head` is the object read to `max_bytes + 1`
    bytes: one byte past the cap tells a larger object without fetching it."""
    if len(head) > max_bytes:
        return TOO_LARGE
    signature = SIGNATURES.get(content_type)
    if signature is None or not head.startswith(signature):
        return NOT_AN_IMAGE
    return None
