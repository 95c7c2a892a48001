"""Qdrant's own engine for the multivector benchmark (bench/multivector.ts): drives qdrant-edge-py with a MaxSim
multivector shard, started with the pinned venv (bench/support/python-bench.ts).

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout ({"error": ...} on failure).
  {"cmd": "load", "rows": path, "starts": path, "queries": path, "docs": D, "nq": Q, "query_rows": R, "dim": dim}
      raw little-endian float32 token rows (document d owns rows [starts[d], starts[d+1]), starts as uint32) and
      Q × R query rows, written by the bench; kept for every later command
  {"cmd": "build", "name": s, "dir": path, "m": M, "ef_construct": E, "int8": bool, "quantile": 0.99}
      one Cosine MaxSim shard (one segment, one indexing thread, one search thread, RAM, no WAL), every document
      upserted as point d (untimed), then optimize() timed: the HNSW graph over the multivectors (and int8 codes)
  {"cmd": "run", "name": s, "ef": ef, "k": k, "nq": Q, "warmup": W, "rescore": null|bool}
      W queries untimed, then one timed pass of Q queries one at a time; replies wall and CPU seconds and the ids
"""

import sys
import time
from array import array

import qdrant_edge as qe
from edge_driver_loop import serve, timed_pass

data = {}
shards = {}


def read_array(path, typecode, count):
    out = array(typecode)
    with open(path, "rb") as f:
        out.fromfile(f, count)
    if sys.byteorder != "little":
        out.byteswap()
    return out


def load(msg):
    dim = msg["dim"]
    starts = read_array(msg["starts"], "I", msg["docs"] + 1)
    data["dim"] = dim
    data["starts"] = starts
    data["rows"] = read_array(msg["rows"], "f", starts[-1] * dim)
    data["query_rows"] = msg["query_rows"]
    data["queries"] = read_array(msg["queries"], "f", msg["nq"] * msg["query_rows"] * dim)
    return {"ok": True}


def matrix(flat, dim, start, end):
    return [flat[r * dim : (r + 1) * dim].tolist() for r in range(start, end)]


def build(msg):
    dim = data["dim"]
    starts = data["starts"]
    rows = data["rows"]
    quantization = (
        qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, quantile=msg["quantile"], always_ram=True)
        if msg.get("int8")
        else None
    )
    config = qe.EdgeConfig(
        vectors=qe.EdgeVectorParams(
            size=dim,
            distance=qe.Distance.Cosine,
            on_disk=False,
            multivector_config=qe.MultiVectorConfig(comparator=qe.MultiVectorComparator.MaxSim),
        ),
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
    docs = len(starts) - 1
    for first in range(0, docs, 500):
        last = min(docs, first + 500)
        points = [qe.Point(d, matrix(rows, dim, starts[d], starts[d + 1])) for d in range(first, last)]
        shard.update(qe.UpdateOperation.upsert_points(points))
    t = time.perf_counter()
    c = time.process_time()
    shard.optimize()
    seconds = time.perf_counter() - t
    cpu = time.process_time() - c
    info = shard.info()
    if info.indexed_vectors_count < docs:
        raise RuntimeError(f"optimize indexed {info.indexed_vectors_count} of {docs} documents")
    shards[msg["name"]] = shard
    return {"seconds": seconds, "cpuSeconds": cpu, "segments": info.segments_count}


def run(msg):
    shard = shards[msg["name"]]
    dim = data["dim"]
    r = data["query_rows"]
    nq = msg["nq"]
    rescore = msg.get("rescore")
    quantization = None if rescore is None else qe.QuantizationSearchParams(rescore=rescore)
    params = qe.SearchParams(hnsw_ef=msg["ef"], quantization=quantization)
    requests = [
        qe.QueryRequest(
            limit=msg["k"],
            query=qe.Query.Nearest(matrix(data["queries"], dim, q * r, (q + 1) * r)),
            params=params,
            with_payload=False,
            with_vector=False,
        )
        for q in range(nq)
    ]
    for req in requests[: msg["warmup"]]:
        shard.query(req)
    return timed_pass(shard.query, requests, nq)


COMMANDS = {"load": load, "build": build, "run": run}


if __name__ == "__main__":
    serve(COMMANDS, shards)
