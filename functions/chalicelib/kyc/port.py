"""The OCR port. The real adapter is `chalicelib.kyc.rapid.RapidOcrEngine`; tests use fakes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Point = tuple[float, float]


@dataclass(frozen=True)
class OcrLine:
    """One line of text found in the image, with its recogniser confidence (0..1).

    `box` is the four corners (top-left, top-right, bottom-right, bottom-left) in pixels of
    the image as given to `read`.
    """

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]

    @property
    def top(self) -> float:
        return min(y for _x, y in self.box)

    @property
    def bottom(self) -> float:
        return max(y for _x, y in self.box)

    @property
    def left(self) -> float:
        return min(x for x, _y in self.box)

    @property
    def right(self) -> float:
        return max(x for x, _y in self.box)

    @property
    def height(self) -> float:
        return self.bottom - self.top


class OcrEngine(Protocol):
    def read(self, image_bytes: bytes) -> list[OcrLine]:
        """All text lines in the image, top to bottom. Undecodable bytes yield []."""
        ...
