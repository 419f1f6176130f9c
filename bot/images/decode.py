"""Image bytes opened within bounds, and their perceptual hash.

Anything a post carries is hostile: the bytes are capped before they get here (`fetch`), the
format must be one of a few raster formats, the pixel count is read from the header and refused
above `max_pixels` before any pixel is decoded (a decompression bomb: a few kB of PNG that
inflate to gigabytes), and any decoding error is an `ImageRefused` with a reason to log."""

from __future__ import annotations

import io
import warnings

import imagehash
from PIL import Image, ImageOps

FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
HASH_BITS = 64  # imagehash.phash's default 8x8


class ImageRefused(Exception):
    """An image that is not read: too big, not an image, corrupt or hostile. `str()` says why."""


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """The first frame of the image in `data` as RGB, fully decoded; ImageRefused otherwise."""
    if not data:
        raise ImageRefused("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
            width, height = img.size
            if width <= 0 or height <= 0:
                raise ImageRefused(f"{img.format} with no pixels ({width}x{height})")
            if width * height > max_pixels:
                raise ImageRefused(
                    f"{img.format} of {width}x{height} = {width * height:,} pixels "
                    f"(more than {max_pixels:,}: a decompression bomb, or just too big)"
                )
            img.seek(0)
            img.load()
            rgb = ImageOps.exif_transpose(img.convert("RGB"))
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(f"decompression bomb: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ImageRefused(f"not a readable image ({type(exc).__name__}: {exc})"[:200]) from exc
    return rgb


def perceptual_hash(img: Image.Image) -> str:
    """The image's 64-bit pHash (DCT of a 32x32 greyscale copy), as 16 hex digits."""
    return str(imagehash.phash(img))


def hash_distance(a: str, b: str) -> int:
    """Bits that differ between two hashes of `perceptual_hash` (0: the same picture)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
