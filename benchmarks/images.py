"""Text from images (issue 16) on the test set tests/data/images/ (tools/make_images.py):

    nice -n 10 .venv/bin/python benchmarks/images.py            # Tesseract and RapidOCR
    nice -n 10 .venv/bin/python benchmarks/images.py --engines tesseract
    nice -n 10 .venv/bin/python benchmarks/images.py --renditions   # thumbnail vs full size

For each OCR engine: character accuracy of the text read against the text drawn (1 - edit
distance / length, after NFKC, case and whitespace folding), by kind of image; seconds per
image; the verdicts of the pipeline on the post built from what was read (the post's own words
+ the image's quote) against the labels, beside the same text typed and beside alt text only
(the baseline: these images have no alt text, so the post is checked on its own words, as
factbot did before). Then near-duplicates: pHash distances of every pair of images of one card
(recall) and of different cards (false matches) at several thresholds.

--renditions: the watchers hash the CDN's thumbnail (a JPEG of at most 1000 px), a mention the
full-size image; every image's thumbnail against every image's full size, with the hash as it
was (version 1) beside the hash factbot uses, at `[images] hash_distance`.

RapidOCR (rapidocr-onnxruntime, a dev dependency) is measured here only: the bot uses
Tesseract (bot/images/ocr.py)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import regex  # noqa: E402
from PIL import Image  # noqa: E402

from bot.config import Config  # noqa: E402
from bot.domain import Post  # noqa: E402
from bot.images.card import split_text, with_images  # noqa: E402
from bot.images.decode import hash_distance, open_image, perceptual_hash  # noqa: E402
from bot.images.ocr import Tesseract  # noqa: E402
from bot.inputs import parse_time  # noqa: E402
from bot.pipeline import build_checker  # noqa: E402

IMAGES = ROOT / "tests" / "data" / "images"
_CJK_GAP = regex.compile(r"(?<=[\p{Han}\p{P}]) +(?=\p{Han})|(?<=\p{Han}) +(?=[\p{Han}\p{P}])")


class Rapid:
    """RapidOCR's PP-OCR models (ONNX, shipped in the wheel): text boxes joined into lines."""

    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.engine = RapidOCR()

    def read(self, img: Image.Image) -> str:
        result, _ = self.engine(np.asarray(img)[:, :, ::-1].copy())
        boxes = []
        for box, text, _score in result or []:
            ys = [p[1] for p in box]
            boxes.append((min(ys), max(ys), min(p[0] for p in box), text))
        boxes.sort()
        lines: list[list[tuple[float, str]]] = []
        last_mid = last_h = None
        for top, bottom, left, text in boxes:
            mid, h = (top + bottom) / 2, bottom - top
            if lines and last_mid is not None and abs(mid - last_mid) < 0.5 * (last_h or h):
                lines[-1].append((left, text))
            else:
                lines.append([(left, text)])
                last_mid, last_h = mid, h
        return "\n".join(" ".join(t for _, t in sorted(line)) for line in lines)


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    for a, b in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("«", '"'), ("»", '"')):
        text = text.replace(a, b)
    text = " ".join(text.split())
    return _CJK_GAP.sub("", text)  # Tesseract puts spaces between Chinese characters


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(read: str, truth: str) -> float:
    t, r = fold(truth), fold(read)
    if not t:
        return 1.0 if not r else 0.0
    return max(0.0, 1 - edit_distance(r, t) / len(t))


def load() -> list[dict[str, Any]]:
    lines = (IMAGES / "labels.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def context_post(label: dict[str, Any], text: str) -> Post:
    return Post(
        id=label["file"],
        text=text,
        created_at=parse_time(label.get("created_at") or "2026-05-12T09:00:00Z"),
        lang=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--dump", help="write what each engine read to this JSONL file")
    parser.add_argument("--hashes-only", action="store_true", help="near-duplicates only")
    parser.add_argument("--renditions", action="store_true", help="thumbnail vs full size only")
    args = parser.parse_args()
    labels = load()
    posts = {
        json.loads(x)["id"]: json.loads(x) for x in (ROOT / "tests/data/labelled.jsonl").open()
    }
    for label in labels:
        if label["post"]:
            label["created_at"] = posts[label["post"]]["created_at"]
    config = Config()
    images = {
        lab["file"]: open_image((IMAGES / lab["file"]).read_bytes(), 40_000_000) for lab in labels
    }
    print(f"{len(labels)} images ({sum((IMAGES / f).stat().st_size for f in images) / 1e6:.1f} MB)")
    if args.hashes_only:
        near_duplicates(labels, images)
        return
    if args.renditions:
        renditions(labels, images)
        return
    t0 = time.perf_counter()
    checker = build_checker(config)
    print(f"checker loaded in {time.perf_counter() - t0:.1f} s\n")

    # The baseline and the typed text: one check each.
    with_quote = [lab for lab in labels if lab["post"]]
    typed = [
        context_post(lab, lab["text"])
        if lab["kind"].startswith("screenshot")
        else with_images(context_post(lab, lab["context"]), [split_text(lab["card"], "alt")])
        for lab in with_quote
    ]
    alt_only = [context_post(lab, lab["context"]) for lab in with_quote]
    expect = [lab["expect"] for lab in with_quote]

    def verdict_acc(ps: list[Post]) -> tuple[float, list[str]]:
        got = []
        for p in ps:
            got.append(checker.check(p).verdict if p.text.strip() else "no_match")
        return sum(g == e for g, e in zip(got, expect, strict=True)) / len(expect), got

    acc_typed, got_typed = verdict_acc(typed)
    acc_alt, _ = verdict_acc(alt_only)
    rows = [("alt text only (baseline)", "-", "-", "-", f"{acc_alt:.1%}", "-", "-")]
    dump = open(args.dump, "w", encoding="utf-8") if args.dump else None  # noqa: SIM115
    for name in args.engines.split(","):
        engine = Tesseract() if name == "tesseract" else Rapid()
        engine.read(images[labels[0]["file"]])  # warm up (model load)
        acc_by_kind: dict[str, list[float]] = defaultdict(list)
        seconds, reads = [], {}
        for lab in labels:
            t = time.perf_counter()
            text = engine.read(images[lab["file"]])
            seconds.append(time.perf_counter() - t)
            reads[lab["file"]] = text
            kind = lab["kind"].split("+")[0] + (
                "+" + lab["kind"].split("+")[1] if "+" in lab["kind"] else ""
            )
            acc_by_kind[f"{lab['lang']}:{kind}"].append(char_accuracy(text, lab["card"]))
            if dump:
                dump.write(
                    json.dumps(
                        {"engine": name, "file": lab["file"], "read": text}, ensure_ascii=False
                    )
                    + "\n"
                )
        checked = []
        for lab in with_quote:
            read = split_text(reads[lab["file"]], "ocr")
            checked.append(with_images(context_post(lab, lab["context"]), [read]))
        acc_img, got_img = verdict_acc(checked)
        same = sum(a == b for a, b in zip(got_img, got_typed, strict=True)) / len(expect)
        false_quotes = sum(
            1
            for lab in labels
            if not lab["post"] and split_text(reads[lab["file"]], "ocr").quote and lab["card"] == ""
        )
        everything = [a for v in acc_by_kind.values() for a in v]
        en = [a for k, v in acc_by_kind.items() if k.startswith("en:") for a in v]
        rows.append(
            (
                name,
                f"{statistics.mean(everything):.1%}",
                f"{statistics.mean(en):.1%}",
                f"{statistics.mean(seconds):.2f}",
                f"{acc_img:.1%}",
                f"{same:.1%}",
                str(false_quotes),
            )
        )
        print(f"{name}: character accuracy by language:kind")
        for k in sorted(acc_by_kind):
            v = acc_by_kind[k]
            print(f"  {k:32} n={len(v):2}  {statistics.mean(v):6.1%}  (min {min(v):.1%})")
        print()
    if dump:
        dump.close()
    print(f"verdicts on {len(expect)} images with a labelled post; typed: {acc_typed:.1%}")
    head = (
        "engine",
        "char acc (all)",
        "char acc (en)",
        "s/image",
        "verdict acc",
        "= typed",
        "quotes in no-quote images",
    )
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")

    near_duplicates(labels, images)


def near_duplicates(labels: list[dict[str, Any]], images: dict[str, Image.Image]) -> None:
    """Recall and false matches of the hash factbot uses, beside the plain 64-bit pHash of the
    image as it comes (the baseline)."""
    import imagehash

    def raw(img: Image.Image) -> str:
        return str(imagehash.phash(img))

    for name, bits, hasher, thresholds in (
        ("pHash 8x8 of the raw image (baseline)", 64, raw, (4, 6, 8, 10, 12, 16)),
        (
            "factbot: pHash 16x16, straightened, trimmed",
            256,
            perceptual_hash,
            (16, 24, 32, 40, 48, 56, 64, 72),
        ),
    ):
        print(f"\n{name}")
        _near(labels, images, bits, hasher, thresholds)


def _near(
    labels: list[dict[str, Any]],
    images: dict[str, Image.Image],
    bits: int,
    perceptual_hash: Any,
    thresholds: tuple[int, ...],
) -> None:
    t = time.perf_counter()
    hashes = {f: perceptual_hash(img) for f, img in images.items()}
    per_hash = (time.perf_counter() - t) / len(hashes)
    files = sorted(hashes)
    group = {lab["file"]: lab["group"] for lab in labels}
    same_pairs, diff_pairs = [], []
    for i, a in enumerate(files):
        for b in files[i + 1 :]:
            d = hash_distance(hashes[a], hashes[b])
            (same_pairs if group[a] == group[b] else diff_pairs).append(d)
    print(
        f"\nnear-duplicates: pHash {per_hash * 1000:.1f} ms/image; {len(same_pairs)} pairs of "
        f"one card, {len(diff_pairs)} of different images"
    )
    derived = {lab["file"]: lab["derived_from"] for lab in labels}
    originals = [f for f in files if not derived[f]]
    copies = [(f, group[f] + ".png") for f in files if f not in originals]
    print(
        f"| max distance (bits of {bits}) | recall (all pairs) | recall (copy vs original) |"
        " false matches (pairs) |"
    )
    for threshold in thresholds:
        rec = sum(d <= threshold for d in same_pairs) / len(same_pairs)
        fm = sum(d <= threshold for d in diff_pairs)
        vs = sum(hash_distance(hashes[c], hashes[o]) <= threshold for c, o in copies) / len(copies)
        print(f"| {threshold:26} | {rec:17.1%} | {vs:25.1%} | {fm:21} |")
    worst = sorted(
        (hash_distance(hashes[a], hashes[b]), a, b)
        for i, a in enumerate(files)
        for b in files[i + 1 :]
        if group[a] == group[b]
    )[-5:]
    print("farthest copies:", ", ".join(f"{a}~{b}={d}" for d, a, b in worst))
    closest = min(
        (hash_distance(hashes[a], hashes[b]), a, b)
        for i, a in enumerate(files)
        for b in files[i + 1 :]
        if group[a] != group[b]
    )
    print(f"closest different images: {closest[1]}~{closest[2]}={closest[0]}")


def hash_v1(img: Image.Image) -> str:
    """The hash before version 2 (the image as it came; its trim moved with one noisy pixel)."""
    import imagehash
    from PIL import ImageFilter, ImageOps

    from bot.images.decode import straighten

    img = straighten(img)
    arr = np.asarray(ImageOps.grayscale(img).filter(ImageFilter.MedianFilter(3)), dtype=np.int16)
    background = int(np.median([arr[0, 0], arr[0, -1], arr[-1, 0], arr[-1, -1]]))
    ys, xs = np.nonzero(np.abs(arr - background) > 40)
    if len(xs) >= 10:
        img = img.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    return str(imagehash.phash(img, hash_size=16))


def cdn_jpeg(img: Image.Image, side: int, quality: int) -> Image.Image:
    """The CDN's rendition, as imgproxy makes it: fit within `side` px, JPEG at `quality`."""
    import io

    small = img.copy()
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=quality)
    return open_image(out.getvalue(), 40_000_000)


def renditions(labels: list[dict[str, Any]], images: dict[str, Image.Image]) -> None:
    """Thumbnail (JPEG <= 1000 px, q80) of each image against the full size of each image
    (`as drawn`: the blob itself; `x2.4`: a phone-sized original, its full size the CDN's
    JPEG <= 2000 px, q90), at `[images] hash_distance`."""
    from bot.config import ImagesConfig

    threshold = ImagesConfig().hash_distance
    group = {lab["file"]: lab["group"] for lab in labels}
    big = {
        f: im.resize((int(im.width * 2.4), int(im.height * 2.4)), Image.Resampling.LANCZOS)
        for f, im in images.items()
    }
    print(f"thumbnail vs full size, {len(images)} images, at {threshold} bits of 256")
    print(
        "| hash | originals | same image: recall | max bits | copies of one card: recall |"
        " different images: false matches | min bits | ms/hash |"
    )
    for name, hasher in (("v1 (before)", hash_v1), ("v2 (factbot)", perceptual_hash)):
        for size, src in (("as drawn", images), ("x2.4", big)):
            t = time.perf_counter()
            full = {
                f: hasher(im if size == "as drawn" else cdn_jpeg(im, 2000, 90))
                for f, im in src.items()
            }
            thumb = {f: hasher(cdn_jpeg(im, 1000, 80)) for f, im in src.items()}
            ms = (time.perf_counter() - t) * 1000 / (2 * len(src))
            own = [hash_distance(full[f], thumb[f]) for f in src]
            same, diff = [], []
            for a in src:
                for b in src:
                    if a != b:
                        d = hash_distance(full[a], thumb[b])
                        (same if group[a] == group[b] else diff).append(d)
            far = max(zip(own, src, strict=True))
            print(
                f"| {name} | {size} | {sum(d <= threshold for d in own)}/{len(own)} "
                f"| {far[0]} ({far[1]}) | {sum(d <= threshold for d in same)}/{len(same)} "
                f"| {sum(d <= threshold for d in diff)}/{len(diff)} | {min(diff)} | {ms:.0f} |"
            )


if __name__ == "__main__":
    main()
