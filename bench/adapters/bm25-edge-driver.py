"""Times Qdrant's BM25 embedder (qdrant_edge.Bm25, qdrant-edge-py) for bench/bm25.ts.

Reads {"source": <language>, "limit": n, "rounds": r, "options": {...}} on stdin; gathers the sentences with the
BM25 parity test's corpus reader (test/python/bm25_oracle.py: the machine's GNU message catalogs), embeds all of
them as documents and as queries `rounds` times, and prints the texts, the best round's seconds for each mode and
the vectors of the last round (so the benchmark can count disagreements) as JSON.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "python"))
import bm25_oracle  # noqa: E402
import qdrant_edge as q  # noqa: E402


def main() -> None:
    job = json.load(sys.stdin)
    texts = bm25_oracle.sentences(job["source"], job["limit"])
    model = q.Bm25(bm25_oracle.config(job.get("options", {})))
    best = {"document": float("inf"), "query": float("inf")}
    out = {}
    for _ in range(job["rounds"]):
        for mode, embed in (("document", model.embed_document), ("query", model.embed_query)):
            t = time.perf_counter()
            vectors = [embed(text) for text in texts]
            best[mode] = min(best[mode], time.perf_counter() - t)
            out[mode] = [bm25_oracle.sparse(v) for v in vectors]
    json.dump({"texts": texts, "seconds": best, "vectors": out}, sys.stdout)


main()
