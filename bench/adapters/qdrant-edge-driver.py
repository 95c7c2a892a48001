"""Qdrant's own engine for the engine benchmark: drives qdrant-edge-py (Qdrant Edge, the embedded Qdrant shard)
for bench/adapters/qdrant-edge.ts, which starts this script with the pinned venv (bench/support/python-bench.ts).

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout ({"error": ...} on failure).
  {"cmd": "load", "base": path, "queries": path, "n": N, "nq": Q, "dim": D}
      raw little-endian float32 rows, written by the bench; kept for every later command
  {"cmd": "build", "name": s, "dir": path, "distance": "Cosine"|"Euclid", "m": M, "ef_construct": E,
   "int8": bool, "quantile": 0.99, "binary": null|{"encoding": "one_bit"|..., "query_encoding": "default"|...},
   "turbo": null|"bits1"|"bits1_5"|"bits2"|"bits4", "product": null|"x4"|…|"x64"}
      creates one shard (single segment target, one indexing thread, one search thread, no WAL), upserts every base
      row (untimed as build: Strata's build figure starts from rows in memory too), then times optimize(), which
      builds the HNSW graph (and, for int8, the codes; Qdrant builds a quantized segment's graph on them)
  {"cmd": "run", "name": s, "ef": ef, "k": k, "nq": Q, "warmup": W, "rescore": null|bool, "oversampling": x}
      builds the Q request objects (untimed, like the bench's prepare), runs W of them untimed, then times one pass
      of Q queries, one at a time, on this thread; replies wall and CPU seconds and the ids found
Timings are taken here, in the engine's own process, so the pipe is never inside the clock.
"""

import sys
import time
from array import array

import qdrant_edge as qe
from edge_driver_loop import serve, timed_pass

rows = {}
shards = {}


def read_rows(path, n, dim):
    data = array("f")
    with open(path, "rb") as f:
        data.fromfile(f, n * dim)
    if sys.byteorder != "little":
        data.byteswap()
    return data


def load(msg):
    dim = msg["dim"]
    rows["dim"] = dim
    rows["base"] = read_rows(msg["base"], msg["n"], dim)
    rows["queries"] = read_rows(msg["queries"], msg["nq"], dim)
    return {"ok": True}


ENUM_NAMES = {
    "one_bit": "OneBit",
    "two_bits": "TwoBits",
    "one_and_half_bits": "OneAndHalfBits",
    "default": "Default",
    "binary": "Binary",
    "scalar4bits": "Scalar4Bits",
    "scalar8bits": "Scalar8Bits",
}


def binary_config(b):
    return qe.BinaryQuantizationConfig(
        always_ram=True,
        encoding=getattr(qe.BinaryQuantizationEncoding, ENUM_NAMES[b.get("encoding", "one_bit")]),
        query_encoding=getattr(qe.BinaryQuantizationQueryEncoding, ENUM_NAMES[b.get("query_encoding", "default")]),
    )


TURBO = {"bits1": "Bits1", "bits1_5": "Bits1_5", "bits2": "Bits2", "bits4": "Bits4"}
PRODUCT = {"x4": "X4", "x8": "X8", "x16": "X16", "x32": "X32", "x64": "X64"}


def quantization_config(msg):
    if msg.get("int8"):
        return qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=msg["quantile"], always_ram=True)
    if msg.get("binary"):
        return binary_config(msg["binary"])
    if msg.get("turbo"):
        bits = getattr(qe.TurboQuantBitSize, TURBO[msg["turbo"]])
        return qe.TurboQuantQuantizationConfig(bits=bits, always_ram=True)
    if msg.get("product"):
        compression = getattr(qe.CompressionRatio, PRODUCT[msg["product"]])
        return qe.ProductQuantizationConfig(compression=compression, always_ram=True)
    return None


def build(msg):
    dim = rows["dim"]
    base = rows["base"]
    n = len(base) // dim
    quantization = quantization_config(msg)
    config = qe.EdgeConfig(
        vectors=qe.EdgeVectorParams(size=dim, distance=getattr(qe.Distance, msg["distance"]), on_disk=False),
        # full_scan_threshold 1 KB: every search of the built segment walks the graph
        hnsw_config=qe.HnswIndexConfig(
            m=msg["m"], ef_construct=msg["ef_construct"], full_scan_threshold=1, max_indexing_threads=1, on_disk=False
        ),
        quantization_config=quantization,
        optimizers=qe.EdgeOptimizersConfig(default_segment_number=1, indexing_threshold=1, max_segment_size=2**40),
        max_search_threads=1,
        wal_enabled=False,
    )
    shard = qe.EdgeShard.create(msg["dir"], config)
    t = time.perf_counter()
    batch = 1000
    for start in range(0, n, batch):
        end = min(n, start + batch)
        points = [qe.Point(i, base[i * dim : (i + 1) * dim].tolist()) for i in range(start, end)]
        shard.update(qe.UpdateOperation.upsert_points(points))
    upsert_seconds = time.perf_counter() - t
    t = time.perf_counter()
    c = time.process_time()
    shard.optimize()
    seconds = time.perf_counter() - t
    cpu = time.process_time() - c
    info = shard.info()
    if info.indexed_vectors_count != n:
        raise RuntimeError(f"optimize indexed {info.indexed_vectors_count} of {n} vectors")
    shards[msg["name"]] = shard
    return {
        "seconds": seconds,
        "cpuSeconds": cpu,
        "upsertSeconds": upsert_seconds,
        "segments": info.segments_count,
        "indexed": info.indexed_vectors_count,
    }


def run(msg):
    shard = shards[msg["name"]]
    dim = rows["dim"]
    queries = rows["queries"]
    nq = msg["nq"]
    start = msg.get("start", 0)
    rescore = msg.get("rescore")
    quantization = (
        None
        if rescore is None
        else qe.QuantizationSearchParams(rescore=rescore, oversampling=msg.get("oversampling") or None)
    )
    params = qe.SearchParams(hnsw_ef=msg["ef"], quantization=quantization)

    def request(q):
        return qe.QueryRequest(
            limit=msg["k"],
            query=qe.Query.Nearest(queries[q * dim : (q + 1) * dim].tolist()),
            params=params,
            with_payload=False,
            with_vector=False,
        )

    # the timed slice [start, start + nq); the warm-up runs the set's first `warmup` queries, whatever the slice
    requests = [request(q) for q in range(start, start + nq)]
    for q in range(msg["warmup"]):
        shard.query(request(q))
    return timed_pass(shard.query, requests, nq)


COMMANDS = {"load": load, "build": build, "run": run}


if __name__ == "__main__":
    serve(COMMANDS, shards)
