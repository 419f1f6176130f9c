"""OCR, offline: Debian's Tesseract 5 (`tesseract-ocr` with the eng, fra and chi-sim
traineddata, installed by `make install` when missing) through pytesseract. Chosen over
RapidOCR's PyPI wheel by measurement on the test set (BENCHMARKS.md, `benchmarks/images.py`).

The image is prepared the way Tesseract reads best: greyscale, light text on a dark background
inverted, a card rotated by a few degrees straightened (Tesseract reads a tilted line badly),
and small images scaled up so that letters are tall enough."""

from __future__ import annotations

import shutil

import pytesseract
from PIL import Image

from bot.images.decode import light, skew

MIN_WIDTH = 1200  # Tesseract wants letters ~30 px tall; quote cards shrink them on re-upload
MAX_SCALE = 4.0  # scaled up at most 4x...
MAX_PIXELS = 12_000_000  # ...and to at most 12 Mpx: a 1 px wide strip is not blown up to GBs


class OcrUnavailable(RuntimeError):
    """The tesseract binary or one of its languages is not installed."""


def prepare(img: Image.Image) -> Image.Image:
    """Greyscale, dark text on a light background, straightened, letters tall enough."""
    grey = light(img)
    angle = skew(grey)
    if abs(angle) >= 1.0:
        grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    area = grey.width * grey.height
    scale = min(MIN_WIDTH / grey.width, MAX_SCALE, (MAX_PIXELS / area) ** 0.5)
    if scale > 1:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return grey


class Tesseract:
    """`read(image) -> text`, lines kept. `languages` as Tesseract names them ("eng+fra")."""

    name = "tesseract"

    def __init__(self, languages: str = "eng+fra+chi_sim", timeout: float = 30.0) -> None:
        if shutil.which("tesseract") is None:
            raise OcrUnavailable("tesseract is not installed (make install installs it)")
        have = set(pytesseract.get_languages(config=""))
        missing = [lang for lang in languages.split("+") if lang not in have]
        if missing:
            raise OcrUnavailable(f"tesseract has no {', '.join(missing)} traineddata")
        self.languages, self.timeout = languages, timeout

    def read(self, img: Image.Image) -> str:
        text: str = pytesseract.image_to_string(
            prepare(img), lang=self.languages, config="--psm 3", timeout=self.timeout
        )
        return text
