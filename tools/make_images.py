"""Generate the image test set in tests/data/images/ (issue 16): quote cards, post screenshots,
their crops, low-quality JPEG re-encodes, rotations and noisy copies, French and Chinese cards,
and images with no quote. Deterministic (fixed seeds, fonts from Debian's fonts-dejavu-core,
fonts-liberation, fonts-freefont-ttf and fonts-noto-cjk, which `make images` installs).

The texts are the labelled posts' (tests/data/labelled.jsonl): each card carries a post's quoted
words and "— Yann LeCun"; the post's other words are the text written above the card. Labels go
to tests/data/images/labels.jsonl, one object per image:

  file, group (images of one card share it: the near-duplicate sets), kind, post (the labelled
  post's id, "" for no quote), context (the post's own text), card (the text drawn, lines joined
  by newlines), quote, attribution, lang, expect (the labelled verdict), derived_from.

    .venv/bin/python tools/make_images.py   # rewrites tests/data/images/
"""

from __future__ import annotations

import io
import json
import random
import re
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "images"
FONTS = {
    "dejavu-sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "dejavu-serif-bold": "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "liberation-sans-bold": "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "liberation-serif": "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "freesans": "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "freeserif-italic": "/usr/share/fonts/truetype/freefont/FreeSerifItalic.ttf",
    "noto-cjk": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "noto-serif-cjk": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
}
# Posts whose quote becomes a card: English, French and Chinese, every verdict.
CARD_POSTS = [
    "L001",
    "L002",
    "L003",
    "L004",
    "L005",
    "L006",
    "L010",
    "L014",
    "L020",
    "L025",
    "L030",
    "L035",
    "L040",
    "L045",
    "L050",
    "L055",
    "L060",
    "L065",
    "L075",
    "L077",
    "L078",
    "L086",
    "L087",
    "L088",
]
SHOT_POSTS = ["SEED", "L001", "L008", "L012", "L022", "L033", "L044", "L070"]
PALETTES = [  # (background, text, accent)
    ((255, 255, 255), (20, 20, 20), (200, 30, 30)),
    ((15, 23, 42), (241, 245, 249), (56, 189, 248)),
    ((250, 204, 21), (17, 17, 17), (17, 17, 17)),
    ((127, 29, 29), (254, 242, 242), (254, 202, 202)),
    ((236, 253, 245), (6, 78, 59), (16, 185, 129)),
    ((30, 64, 175), (255, 255, 255), (191, 219, 254)),
]
_QUOTES = re.compile(r"[“\"«「『]\s*(.+?)\s*[”\"»」』]")


def posts() -> dict[str, dict]:
    out = {}
    for line in (ROOT / "tests" / "data" / "labelled.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            out[obj["id"]] = obj
    return out


def split_post(text: str, lang: str) -> tuple[str, str]:
    """(context, quote): the post's quoted words (all its quoted spans) and the rest."""
    spans = _QUOTES.findall(text)
    if spans:
        context = _QUOTES.sub(" ", text)
        quote = " ".join(spans)
    elif lang == "zh" and "：" in text:
        context, quote = text.split("：", 1)
    else:
        sentences = re.split(r"(?<=[.!?])\s+", text)
        context, quote = (
            (sentences[0], " ".join(sentences[1:])) if len(sentences) > 1 else ("", text)
        )
    context = re.sub(r"#\w+", "", context)
    context = re.sub(r"\s+", " ", context).strip(" :：,-—")
    return context, quote.strip()


def wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    cjk = bool(re.search(r"[\u4e00-\u9fff]", text))
    words = list(text) if cjk else text.split()
    lines, line = [], ""
    for w in words:
        trial = (line + w) if cjk else (f"{line} {w}".strip())
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    return lines


def background(
    size: tuple[int, int], colour: tuple[int, int, int], rng: random.Random, style: str
) -> Image.Image:
    img = Image.new("RGB", size, colour)
    if style == "gradient":
        d = ImageDraw.Draw(img)
        other = tuple(max(0, c - 60) for c in colour)
        for y in range(size[1]):
            t = y / size[1]
            d.line(
                [(0, y), (size[0], y)],
                fill=tuple(int(a + (b - a) * t) for a, b in zip(colour, other)),
            )
    elif style == "photo":  # a stand-in for the speaker's photo: soft shapes on the left
        d = ImageDraw.Draw(img)
        for _ in range(12):
            x, y, r = rng.randint(0, size[0] // 3), rng.randint(0, size[1]), rng.randint(20, 90)
            c = tuple(rng.randint(60, 200) for _ in range(3))
            d.ellipse([x - r, y - r, x + r, y + r], fill=c)
        img = img.filter(ImageFilter.GaussianBlur(6))
    return img


def card(
    quote: str,
    attribution: str,
    font_key: str,
    size: tuple[int, int],
    palette: int,
    style: str,
    seed: int,
) -> tuple[Image.Image, str]:
    rng = random.Random(seed)
    bg, fg, accent = PALETTES[palette]
    img = background(size, bg, rng, style)
    d = ImageDraw.Draw(img)
    left = size[0] // 3 if style == "photo" else 40
    width = size[0] - left - 40
    for pt in range(int(size[1] / 9), 12, -2):
        font = ImageFont.truetype(FONTS[font_key], pt)
        lines = wrap(d, f"“{quote}”", font, width)
        if len(lines) * pt * 1.3 + pt * 2.5 < size[1] - 60:
            break
    y = 40
    for line in lines:
        d.text((left, y), line, font=font, fill=fg)
        y += int(pt * 1.3)
    small = ImageFont.truetype(FONTS[font_key], max(14, int(pt * 0.75)))
    d.text((left, y + pt // 2), attribution, font=small, fill=accent)
    return img, "\n".join([*lines, attribution])


def screenshot(name: str, handle: str, text: str, dark: bool, seed: int) -> tuple[Image.Image, str]:
    """A screenshot of a post: avatar, name, handle and date, the text, the action bar."""
    rng = random.Random(seed)
    bg, fg, dim = (
        ((0, 0, 0), (231, 233, 234), (113, 118, 123))
        if dark
        else ((255, 255, 255), (15, 20, 25), (83, 100, 113))
    )
    w = 600
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    body = ImageFont.truetype(FONTS["dejavu-sans"], 19)
    lines = wrap(probe, text, body, w - 100)
    h = 110 + len(lines) * 27 + 60
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    c = tuple(rng.randint(40, 220) for _ in range(3))
    d.ellipse([20, 20, 68, 68], fill=c)
    bold = ImageFont.truetype(FONTS["liberation-sans-bold"], 18)
    d.text((80, 22), name, font=bold, fill=fg)
    meta = ImageFont.truetype(FONTS["dejavu-sans"], 15)
    d.text((80, 46), f"@{handle} · May 12", font=meta, fill=dim)
    y = 84
    for line in lines:
        d.text((80, y), line, font=body, fill=fg)
        y += 27
    for i, label in enumerate(("12", "1.2K", "8.4K")):
        d.text((80 + i * 140, y + 20), f"◯ {label}", font=meta, fill=dim)
    return img, "\n".join([name, f"@{handle} · May 12", *lines])


def no_quote(kind: int, seed: int) -> tuple[Image.Image, str]:
    rng = random.Random(seed)
    size = (640, 400)
    if kind == 0:  # a bar chart without words
        img = Image.new("RGB", size, (255, 255, 255))
        d = ImageDraw.Draw(img)
        for i in range(8):
            hgt = rng.randint(40, 330)
            d.rectangle([40 + i * 72, 370 - hgt, 90 + i * 72, 370], fill=(37, 99, 235))
        return img, ""
    if kind == 1:  # a landscape of shapes
        img = background(size, (135, 206, 235), rng, "gradient")
        d = ImageDraw.Draw(img)
        d.polygon([(0, 400), (220, 150), (420, 400)], fill=(80, 90, 80))
        d.polygon([(250, 400), (470, 180), (640, 400)], fill=(60, 70, 60))
        d.ellipse([500, 40, 580, 120], fill=(253, 224, 71))
        return img, ""
    if kind == 2:  # photo-like blur
        return background(size, (90, 90, 110), rng, "photo"), ""
    texts = ["Happy Monday everyone!", "Conference opens at 9:00 in Hall B", "Bonne année 2026 !"]
    bg = PALETTES[kind % len(PALETTES)]
    img = background(size, bg[0], rng, "plain")
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONTS["dejavu-serif-bold"], 40)
    text = texts[kind - 3]
    d.text((40, 170), text, font=font, fill=bg[1])
    return img, text


def derive(img: Image.Image, how: str, seed: int) -> Image.Image:
    rng = random.Random(seed)
    w, h = img.size
    if how == "crop":  # keep most of the text: trim 4-10% off each side
        dx, dy = int(w * rng.uniform(0.02, 0.06)), int(h * rng.uniform(0.02, 0.06))
        return img.crop((dx, dy, w - dx, h - dy))
    if how == "rotate":
        return img.rotate(
            rng.choice((-4, -3, 3, 4)),
            resample=Image.BICUBIC,
            expand=True,
            fillcolor=img.getpixel((1, 1)),
        )
    if how == "noise":
        noise = Image.effect_noise(img.size, 40).convert("RGB")
        return Image.blend(img, noise, 0.18)
    if how == "small":  # a re-upload at half size
        return img.resize((w // 2, h // 2), Image.LANCZOS)
    return img


def save(img: Image.Image, name: str, jpeg_quality: int | None) -> str:
    if jpeg_quality is None:
        img = img.quantize(colors=64).convert("RGB") if img.size[0] * img.size[1] > 0 else img
        path = OUT / f"{name}.png"
        img.save(path, optimize=True)
    else:
        path = OUT / f"{name}.jpg"
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=jpeg_quality)
        path.write_bytes(buf.getvalue())
    return path.name


def main() -> int:
    for f in FONTS.values():
        if not Path(f).exists():
            print(
                f"missing font {f}: run `make images` (installs the Debian font packages)",
                file=sys.stderr,
            )
            return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.*"):
        if old.suffix in (".png", ".jpg"):
            old.unlink()
    labelled = posts()
    labels: list[dict] = []
    latin = [
        "dejavu-sans",
        "dejavu-serif-bold",
        "liberation-sans-bold",
        "liberation-serif",
        "freesans",
        "freeserif-italic",
    ]
    sizes = [(800, 450), (1080, 1080), (700, 500), (1000, 560), (600, 600)]
    styles = ["plain", "gradient", "photo"]
    bases: list[tuple[str, Image.Image, dict]] = []
    for i, pid in enumerate(CARD_POSTS):
        post = labelled[pid]
        lang = post.get("lang") or "en"
        context, quote = split_post(post["text"], lang)
        attribution = "— 杨立昆 Yann LeCun" if lang == "zh" else "— Yann LeCun"
        font = ("noto-cjk", "noto-serif-cjk")[i % 2] if lang == "zh" else latin[i % len(latin)]
        size = sizes[i % len(sizes)]
        img, drawn = card(quote, attribution, font, size, i % len(PALETTES), styles[i % 3], seed=i)
        if size[0] > 900:  # keep the committed files small
            img = img.resize((size[0] * 3 // 4, size[1] * 3 // 4), Image.LANCZOS)
        meta = {
            "kind": "card",
            "post": pid,
            "context": context,
            "card": drawn,
            "quote": quote,
            "attribution": attribution,
            "lang": lang,
            "expect": post["expect"]["verdict"],
            "font": font,
        }
        bases.append((f"card-{pid}", img, meta))
    for i, pid in enumerate(SHOT_POSTS):
        post = labelled[pid]
        dark = i % 2 == 0
        img, drawn = screenshot(
            "Tech Insider", "techinsider.bsky.social", post["text"], dark, seed=100 + i
        )
        context, quote = split_post(post["text"], post.get("lang") or "en")
        meta = {
            "kind": "screenshot-dark" if dark else "screenshot-light",
            "post": pid,
            "context": "",
            "card": drawn,
            "quote": quote,
            "attribution": "",
            "lang": post.get("lang") or "en",
            "expect": post["expect"]["verdict"],
            "font": "dejavu-sans",
            "text": post["text"],
        }
        bases.append((f"shot-{pid}", img, meta))
    for k in range(6):
        img, drawn = no_quote(k, seed=200 + k)
        meta = {
            "kind": "no-quote",
            "post": "",
            "context": "",
            "card": drawn,
            "quote": "",
            "attribution": "",
            "lang": "en",
            "expect": "no_match",
            "font": "",
        }
        bases.append((f"none-{k}", img, meta))
    for name, img, meta in bases:
        labels.append({"file": save(img, name, None), "group": name, "derived_from": "", **meta})
    # Derived copies of cards and screenshots: the near-duplicate sets (and harder OCR).
    hows = ["crop", "jpeg", "rotate", "noise", "small"]
    rng = random.Random(7)
    for j, (name, img, meta) in enumerate(bases[: len(CARD_POSTS) + len(SHOT_POSTS)]):
        for how in (hows[j % len(hows)], hows[(j + 2) % len(hows)]):
            if rng.random() < 0.15:
                continue
            out = derive(img, how, seed=300 + j)
            quality = 30 if how in ("jpeg", "noise") else None
            labels.append(
                {
                    "file": save(out, f"{name}-{how}", quality),
                    "group": name,
                    "derived_from": f"{name}.png",
                    **{**meta, "kind": f"{meta['kind']}+{how}"},
                }
            )
    with (OUT / "labels.jsonl").open("w", encoding="utf-8") as f:
        for obj in labels:
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(labels)} images in {OUT.relative_to(ROOT)} ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
