"""Photo decoding ahead of OCR: downscaled, EXIF-upright, garbage rejected without raising."""

from __future__ import annotations

import io

import pytest

Image = pytest.importorskip("PIL.Image")
rapid = pytest.importorskip("chalicelib.kyc.rapid")


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.new("RGB", (width, height), (200, 210, 220)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_phone_sized_photo_is_downscaled_to_max_side() -> None:
    array = rapid.decode(_jpeg(4000, 3000), 800)
    assert array.shape == (600, 800, 3)


def test_small_photo_is_kept() -> None:
    assert rapid.decode(_jpeg(640, 400), 800).shape == (400, 640, 3)


def test_exif_orientation_is_applied() -> None:
    # Orientation 6: the camera was held upright, the pixels are stored sideways.
    assert rapid.decode(_jpeg(1600, 1000, orientation=6), 800).shape == (800, 500, 3)


@pytest.mark.parametrize("junk", [b"", b"not an image", _jpeg(100, 100)[:200]])
def test_junk_decodes_to_none(junk: bytes) -> None:
    assert rapid.decode(junk, 800) is None
