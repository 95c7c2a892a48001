"""Qdrant's own quantized search for the quantization recall tests (test/unit/recall-quantization-*.test.ts): builds
one Qdrant Edge shard (qdrant-edge-py, pinned in test/support/python-env.ts) per requested code over the same rows,
as a Qdrant segment does (HNSW on the quantized vectors), and answers every query with and without rescoring.

Input (stdin, one JSON object):
  {"base": path, "queries": path, "n": N, "nq": Q, "dim": D, "distance": "Cosine"|"Euclid", "m": M,
   "ef_construct": E, "dir": path,
   "codes": [{"name": s, "turbo": "bits1"|"bits1_5"|"bits2"|"bits4"} | {"name": s, "product": "x4"…"x64"}],
   "runs": [{"ef": ef, "k": k, "rescore": bool, "oversampling": x|null}]}
  base and queries are raw little-endian float32 rows.
Output (stdout, one JSON object): {name: [[ids of query 0], …] per run, in the order of "runs"}.
"""

import json
import sys
import time
from array import array

import qdrant_edge as qe

TURBO = {
    "bits1": qe.TurboQuantBitSize.Bits1,
    "bits1_5": qe.TurboQuantBitSize.Bits1_5,
    "bits2": qe.TurboQuantBitSize.Bits2,
    "bits4": qe.TurboQuantBitSize.Bits4,
}
PRODUCT = {
    "x4": qe.CompressionRatio.X4,
    "x8": qe.CompressionRatio.X8,
    "x16": qe.CompressionRatio.X16,
    "x32": qe.CompressionRatio.X32,
    "x64": qe.CompressionRatio.X64,
}


def read_rows(path, count):
    data = array("f")
    with open(path, "rb") as f:
        data.fromfile(f, count)
    if sys.byteorder != "little":
        data.byteswap()
    return data


def quantization(code):
    if "turbo" in code:
        return qe.TurboQuantQuantizationConfig(bits=TURBO[code["turbo"]], always_ram=True)
    return qe.ProductQuantizationConfig(compression=PRODUCT[code["product"]], always_ram=True)


def main():
    msg = json.loads(sys.stdin.read())
    dim = msg["dim"]
    n = msg["n"]
    base = read_rows(msg["base"], n * dim)
    queries = read_rows(msg["queries"], msg["nq"] * dim)
    out = {}
    for code in msg["codes"]:
        config = qe.EdgeConfig(
            vectors=qe.EdgeVectorParams(size=dim, distance=getattr(qe.Distance, msg["distance"]), on_disk=False),
            # full_scan_threshold 1 KB: every search walks the graph
            hnsw_config=qe.HnswIndexConfig(
                m=msg["m"], ef_construct=msg["ef_construct"], full_scan_threshold=1, max_indexing_threads=1
            ),
            quantization_config=quantization(code),
            optimizers=qe.EdgeOptimizersConfig(default_segment_number=1, indexing_threshold=1, max_segment_size=2**40),
            max_search_threads=1,
            wal_enabled=False,
        )
        shard = qe.EdgeShard.create(f"{msg['dir']}/{code['name']}", config)
        for start in range(0, n, 1000):
            end = min(n, start + 1000)
            points = [qe.Point(i, base[i * dim : (i + 1) * dim].tolist()) for i in range(start, end)]
            shard.update(qe.UpdateOperation.upsert_points(points))
        t = time.perf_counter()
        shard.optimize()
        sys.stderr.write(f"edge_recall: {code['name']} optimize {time.perf_counter() - t:.1f} s\n")
        sys.stderr.flush()
        info = shard.info()
        if info.indexed_vectors_count != n:
            raise RuntimeError(f"optimize indexed {info.indexed_vectors_count} of {n} vectors")
        runs = []
        for run in msg["runs"]:
            params = qe.SearchParams(
                hnsw_ef=run["ef"],
                quantization=qe.QuantizationSearchParams(rescore=run["rescore"], oversampling=run["oversampling"]),
            )
            found = []
            for q in range(msg["nq"]):
                hits = shard.query(
                    qe.QueryRequest(
                        limit=run["k"],
                        query=qe.Query.Nearest(queries[q * dim : (q + 1) * dim].tolist()),
                        params=params,
                        with_payload=False,
                        with_vector=False,
                    )
                )
                found.append([p.id for p in hits])
            runs.append(found)
        out[code["name"]] = runs
        shard.close()
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
