"""Image bytes opened within bounds, and their perceptual hash.

Anything a post carries is hostile: the bytes are capped before they get here (`fetch`), the
format must be one of a few raster formats, the pixel count is read from the header and refused
above `max_pixels` before any pixel is decoded (a decompression bomb: a few kB of PNG that
inflate to gigabytes), and any decoding error is an `ImageRefused` with a reason to log."""

from __future__ import annotations

import io
import warnings

import imagehash
import numpy as np
from PIL import Image, ImageFilter, ImageOps, ImageStat

FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP"})
HASH_SIZE = 16  # a 16x16 pHash: 256 bits (benchmarks/images.py: 8x8 confuses screenshots)
# What `perceptual_hash` computes. Hashes of another version are never compared with these
# (`image_seen.version`): 1 trimmed the image as it came, so the CDN's JPEG thumbnail and the
# full-size image of one card could hash 58 bits apart (card-L088-crop); 2 hashes a canonical
# downscale (`CANONICAL_SIDE`) trimmed by a mask that JPEG noise does not move.
HASH_VERSION = 2
CANONICAL_SIDE = 512  # pixels: under the thumbnail's 1000, so both renditions come down to it


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
    """The image's 256-bit pHash (version `HASH_VERSION`), as 64 hex digits, of its canonical
    downscale (`canonical`) straightened (`skew`) and trimmed to its content (`trim`): a crop
    of the margins, a re-upload tilted by a few degrees, a re-encode, and the CDN's thumbnail
    of the full-size image hash close to the original (benchmarks/images.py --renditions)."""
    return str(imagehash.phash(trim(straighten(canonical(img))), hash_size=HASH_SIZE))


def canonical(img: Image.Image) -> Image.Image:
    """The image brought down to fit `CANONICAL_SIDE` (never up): the full-size image, the
    CDN's thumbnail (a JPEG of at most 1000 px) and the original blob are then hashed at one
    size, and the downscale averages away most of a JPEG's block noise."""
    if max(img.size) <= CANONICAL_SIDE:
        return img
    small = img.copy()
    small.thumbnail((CANONICAL_SIDE, CANONICAL_SIDE), Image.Resampling.LANCZOS)
    return small


def hash_distance(a: str, b: str) -> int:
    """Bits that differ between two hashes of `perceptual_hash` (0: the same picture)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def light(img: Image.Image) -> Image.Image:
    """Greyscale, inverted when mostly dark: dark text on a light background."""
    grey = ImageOps.grayscale(img)
    return ImageOps.invert(grey) if ImageStat.Stat(grey).mean[0] < 110 else grey


def skew(grey: Image.Image) -> float:
    """The angle (degrees, within ±6) that makes the text's lines horizontal: the rotation of
    a small binarised copy whose row sums vary most (lines of ink and gaps between them)."""
    small = grey.copy()
    small.thumbnail((360, 360))
    arr = np.asarray(small, dtype=np.float32)
    ink = Image.fromarray(((arr < (arr.min() + arr.mean()) / 2) * 255).astype(np.uint8))

    def score(a: float) -> float:
        rotated = ink.rotate(a, resample=Image.Resampling.BILINEAR)
        return float(np.var(np.asarray(rotated, dtype=np.float32).sum(1)))

    best, angle = score(0.0), 0.0  # another angle must do clearly better than none
    for a in np.arange(-6.0, 6.25, 0.5):
        s = score(float(a))
        if s > best * 1.02 + 1e-6:
            best, angle = s, float(a)
    return angle


def straighten(img: Image.Image) -> Image.Image:
    angle = skew(light(img))
    if abs(angle) < 1.0:
        return img
    fill = img.getpixel((0, 0))
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def trim(img: Image.Image) -> Image.Image:
    """The image cut to the box of what differs from its background (the corners' colour):
    the rows and columns with at least two such pixels, on a blurred copy. A lone pixel that
    a JPEG's noise pushes over the threshold (a soft-edged shape near the background's grey)
    no longer moves the box, and with it the hash."""
    grey = ImageOps.grayscale(img).filter(ImageFilter.GaussianBlur(1.5))
    arr = np.asarray(grey, dtype=np.int16)
    background = int(np.median([arr[0, 0], arr[0, -1], arr[-1, 0], arr[-1, -1]]))
    ink = np.abs(arr - background) > 40
    ys, xs = np.nonzero(ink.sum(1) >= 2)[0], np.nonzero(ink.sum(0) >= 2)[0]
    if len(xs) < 2 or len(ys) < 2:
        return img
    return img.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
