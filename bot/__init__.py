"""factbot: answers viral paraphrases of a public figure's remarks with the verified original
and what the post changed.

A regular package (not a namespace one, which would merge with any other `bot` on the path).
The layers and their modules are described in the README; the contract of `factbot check` is
docs/SPEC.md. No module of `bot` is imported here: `import bot.x` loads only what `x` needs.

One process setting is made here, before anything loads numpy: OpenBLAS (numpy's, which runs
the USE model) keeps its worker threads spinning for 2**28 cycles (about 0.1 s) after each
product, on the cores the other model and the FAISS search need next. `OPENBLAS_THREAD_TIMEOUT`
is read once, when OpenBLAS loads; 4 (2**4 cycles) puts them to sleep at once. At 1M sentences
on two idle cores it took a post's embedding from 39-45 ms to 25-31 ms at p99 (BENCHMARKS.md
"Scale", session 5). An operator's own value is kept."""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
