"""Text from images (issue 16): quote cards and screenshots, through the one pipeline.

`card` (pure) splits an image's text into the quote and its attribution and writes the text the
pipeline checks; `decode` opens image bytes within bounds and hashes them; `ocr` reads the
text offline (Debian's Tesseract); `seen` keeps the perceptual hash of every checked image in
SQLite; `reader` composes them (alt text, else a near-duplicate already read, else OCR); `fetch`
downloads an image within a size limit and a timeout."""
