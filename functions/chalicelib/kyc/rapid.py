"""OCR adapter on RapidOCR (PP-OCRv4 models in ONNX, shipped inside the wheel; runs offline).

Imported only by the wiring: onnxruntime and OpenCV load in hundreds of milliseconds, and a
Lambda that never reads a photo should not pay for that.
"""

from __future__ import annotations

import io
import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from chalicelib.kyc.port import OcrLine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OcrTuning:
    """Knobs measured in bench/bench_ocr.py; the defaults are the tuned setting.

    An ID card is a flat card photographed head-on, its text lines ~1/15 of its height: at
    800 px wide the text is still ~25 px high, enough for the recogniser (48 px input), and
    the detector finds those lines at that size too. Larger inputs only cost time.
    """

    max_side: int | None = 800  # downscale the decoded photo to this (None: keep)
    # With "max", RapidOCR 1.4 picks its own limit from the image (960 px below 960), so the
    # detector sees the 800 px photo as decoded: det_limit_side_len changes nothing (same
    # text, same time at 512, 960 and 2000; checked 2026-11-28). Kept for other versions.
    det_limit_side_len: int = 512
    det_limit_type: str = "max"  # RapidOCR's default "min" scales the *short* side up to 736
    use_cls: bool = False  # the 180° classifier: an upside-down card is re-taken, not read
    # One thread: ~12 short crops give little to parallelise, and with two onnxruntime's
    # spinning workers doubled the CPU time on a busy machine. A Lambda below 1,769 MB has
    # one vCPU anyway.
    intra_op_num_threads: int = 1
    # Recognise crops one at a time, each at its own width (padded to at least
    # `rec_img_width`): batching pads every crop to the widest in its batch, and the card's
    # many short labels ("年", "月", "性别") then cost as much as the ID number.
    rec_img_width: int = 160
    rec_batch_num: int = 1

    def rapidocr_kwargs(self) -> dict[str, Any]:
        return {
            "use_cls": self.use_cls,
            "intra_op_num_threads": self.intra_op_num_threads,
            "det_limit_side_len": self.det_limit_side_len,
            "det_limit_type": self.det_limit_type,
            "rec_img_shape": [3, 48, self.rec_img_width],
            "rec_batch_num": self.rec_batch_num,
        }


TUNED = OcrTuning()


def decode(image_bytes: bytes, max_side: int | None) -> np.ndarray | None:
    """Decode to an RGB array, honouring EXIF rotation; None when it is not an image.

    For JPEG, `draft` lets libjpeg decode at 1/2, 1/4 or 1/8 scale, much cheaper than
    decoding a 12-megapixel phone photo in full and shrinking it afterwards.
    """
    try:
        encoded = Image.open(io.BytesIO(image_bytes))
        if max_side:
            encoded.draft("RGB", (max_side, max_side))
        img = ImageOps.exif_transpose(encoded).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
    return np.asarray(img)


class RapidOcrEngine:
    """`OcrEngine` on rapidocr_onnxruntime. Build one per container (see the wiring).

    `tuning=None` runs RapidOCR exactly as shipped (the bench's baseline): its own decoding,
    no downscale, default detector and classifier settings.
    """

    def __init__(self, tuning: OcrTuning | None) -> None:
        from rapidocr_onnxruntime import RapidOCR  # heavy: onnxruntime, cv2

        self.tuning = tuning
        kwargs = tuning.rapidocr_kwargs() if tuning else {}
        self._ocr = RapidOCR(**kwargs)
        log.info("rapidocr ready", extra={"tuning": asdict(tuning) if tuning else "untuned"})

    def read(self, image_bytes: bytes) -> list[OcrLine]:
        if self.tuning is None:
            from rapidocr_onnxruntime.utils import LoadImageError

            try:
                result, _elapse = self._ocr(image_bytes)
            except LoadImageError:
                return []
        else:
            image = decode(image_bytes, self.tuning.max_side)
            if image is None:
                return []
            # RapidOCR takes an ndarray as OpenCV's BGR.
            result, _elapse = self._ocr(np.ascontiguousarray(image[:, :, ::-1]))
        lines: list[OcrLine] = []
        for box, text, score in result or ():
            corners = tuple((float(x), float(y)) for x, y in box)
            lines.append(OcrLine(str(text), float(score), corners))  # type: ignore[arg-type]
        return lines
