"""What the image tests share: an OCR that counts its calls (real Tesseract inside), a card
re-uploaded, the CDN's renditions."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.images.ocr import Tesseract


class CountingOcr:
    def __init__(self) -> None:
        self.inner, self.calls, self.name = Tesseract(), 0, "tesseract"

    def read(self, img: Image.Image) -> str:
        self.calls += 1
        return self.inner.read(img)


def cdn_rendition(img: Image.Image, side: int, quality: int) -> bytes:
    """The AppView CDN's rendition of an image, as imgproxy makes it: fit within `side` px,
    JPEG at `quality` (its thumbnail: 1000 px, 80; its full size: 2000 px, 90)."""
    import io

    small = img.convert("RGB")
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=quality)
    return out.getvalue()


def reupload(path: Path) -> bytes:
    """The card as someone re-uploads it: cropped a little and re-encoded as a poor JPEG."""
    img = Image.open(path).convert("RGB")
    w, h = img.size
    out = io.BytesIO()
    img.crop((w // 30, h // 30, w - w // 30, h - h // 30)).save(out, "JPEG", quality=35)
    return out.getvalue()
