"""The sentence embedders and what they share.

- `bot.models.vectors`: the `Embedder` interface, `Matrix`, and `normalised` (L2 rows);
- `bot.models.onnx`: an onnxruntime session, a tokenizer and its input arrays;
- `bot.models.minilm`: all-MiniLM-L6-v2 on onnxruntime (the default English model);
- `bot.models.embed`: the torch MiniLM reference, multilingual USE, and `build_embedders`.

Imports go one way (vectors ← onnx ← minilm ← embed): no module of the family imports one that
imports it back. Nothing loads a model at import.
"""
