"""An image file from the command line (`factbot check --image FILE`): read within
`[images] max_bytes`, then through the same reader as the bots' images."""

from __future__ import annotations

from pathlib import Path

from bot.config import Config
from bot.domain import Post
from bot.images.card import with_images
from bot.images.reader import ImageInput, build_reader
from bot.inputs import InputError


def read_file(path: str, max_bytes: int) -> bytes:
    """The file's bytes, at most `max_bytes` (InputError when larger or unreadable)."""
    try:
        with Path(path).open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise InputError(f"{path} is larger than [images] max_bytes ({max_bytes} bytes)")
    return data


def post_with_image(post: Post, path: str, alt: str, config: Config, store: bool) -> Post:
    """`post` with the image's quote added; InputError when the image gives no quote and the
    post has no words of its own (nothing to check)."""
    reader = build_reader(config.images, config.store.path if store else None)
    if reader is None:
        raise InputError("[images] enabled = false: images are not read")
    try:
        data = read_file(path, config.images.max_bytes)
        checked = with_images(post, reader.read_all([ImageInput(data, alt)], post.id))
    finally:
        if reader.seen is not None:
            reader.seen.close()
    if checked.image is None and not post.text.strip():
        raise InputError(f"{path}: no quote found in the image (and no TEXT given)")
    return checked
