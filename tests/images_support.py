"""What the image tests share: an OCR that counts its calls (real Tesseract inside)."""

from __future__ import annotations

from PIL import Image

from bot.images.ocr import Tesseract


class CountingOcr:
    def __init__(self) -> None:
        self.inner, self.calls, self.name = Tesseract(), 0, "tesseract"

    def read(self, img: Image.Image) -> str:
        self.calls += 1
        return self.inner.read(img)
