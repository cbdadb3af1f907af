"""In-memory OCR engine: returns the lines scripted for each image (tests, local runs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.kyc.port import OcrLine


class ScriptedOcrEngine:
    """`OcrEngine` that answers from a table image bytes → lines; unknown bytes read as []."""

    def __init__(self, lines_by_image: Mapping[bytes, Sequence[OcrLine]] | None = None) -> None:
        self._lines = {k: list(v) for k, v in (lines_by_image or {}).items()}
        self.calls = 0

    def add(self, image_bytes: bytes, lines: Sequence[OcrLine]) -> None:
        self._lines[image_bytes] = list(lines)

    def read(self, image_bytes: bytes) -> list[OcrLine]:
        self.calls += 1
        return list(self._lines.get(image_bytes, ()))


def line(
    text: str,
    x: float,
    y: float,
    *,
    w: float | None = None,
    h: float = 30.0,
    confidence: float = 0.99,
) -> OcrLine:
    """An axis-aligned OCR line at (x, y), about one character per `h` pixels wide."""
    w = w if w is not None else h * max(1, len(text)) * 0.8
    return OcrLine(text, confidence, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))
