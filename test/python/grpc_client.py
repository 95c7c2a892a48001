"""Drives Strata's gRPC API through the official Python client: QdrantClient(prefer_grpc=True).

Run by test/e2e/python-grpc.test.ts from the `clients` venv (test/support/python-env.ts). Reads one JSON job on stdin
(ports, api key, the phase and its data), makes each call once over gRPC and prints one JSON object with what the
server answered; the test compares it with the REST answers to the same requests. Nothing is checked here.

Phase "read": create the collection (the guide's speed + low memory scenario), upsert, then query (rescore off;
hnsw_ef + exact with a filter), retrieve, scroll and count. Phase "write": payload ops, delete, and three bad calls
whose gRPC status code and details are reported. Phase "more" (after "write"): query groups, the distance matrix
(every filtered point sampled), and the vector writes update_vectors and batch_update_points.
"""

import json
import sys
import warnings

import grpc
from qdrant_client import QdrantClient, models


def scored(points: list[models.ScoredPoint]) -> list[dict]:
    return [{"id": p.id, "score": p.score, "payload": p.payload} for p in points]


def records(points: list[models.Record]) -> list[dict]:
    return [{"id": p.id, "payload": p.payload, "vector": p.vector} for p in points]


def g_filter(value: str) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key="g", match=models.MatchValue(value=value))])


def failure(call) -> dict:
    try:
        call()
    except grpc.RpcError as e:  # the gRPC status, as a gRPC application sees it
        return {"code": e.code().name, "details": e.details()}
    return {"code": "OK", "details": ""}


def read_phase(client: QdrantClient, job: dict) -> dict:
    name = job["collection"]
    client.create_collection(
        name,
        vectors_config=models.VectorParams(size=job["dim"], distance=models.Distance.COSINE, on_disk=True),
        quantization_config=models.ScalarQuantization(
            scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, always_ram=True)
        ),
        optimizers_config=models.OptimizersConfigDiff(default_segment_number=2),
    )
    client.upsert(
        name,
        points=[models.PointStruct(id=p["id"], vector=p["vector"], payload=p["payload"]) for p in job["points"]],
        wait=True,
    )
    q = job["query"]
    no_rescore = client.query_points(
        name,
        query=q,
        limit=5,
        search_params=models.SearchParams(quantization=models.QuantizationSearchParams(rescore=False)),
    ).points
    exact = client.query_points(
        name,
        query=q,
        limit=5,
        query_filter=g_filter("g1"),
        search_params=models.SearchParams(hnsw_ef=128, exact=True),
        with_payload=True,
    ).points
    got = client.retrieve(name, ids=[1, 7, 999], with_vectors=True)
    page, next_offset = client.scroll(name, scroll_filter=g_filter("g2"), limit=4, offset=5, with_payload=True)
    count = client.count(name, count_filter=g_filter("g2"), exact=True).count
    return {
        "no_rescore": scored(no_rescore),
        "exact": scored(exact),
        "retrieve": records(got),
        "scroll": records(page),
        "next_offset": next_offset,
        "count": count,
    }


def write_phase(client: QdrantClient, job: dict) -> dict:
    name = job["collection"]
    client.set_payload(name, payload={"color": "red"}, points=[1, 2], wait=True)
    client.overwrite_payload(name, payload={"only": True}, points=[3], wait=True)
    client.delete_payload(name, keys=["color"], points=[2], wait=True)
    client.clear_payload(name, points_selector=models.PointIdsList(points=[4]), wait=True)
    client.delete(name, points_selector=models.FilterSelector(filter=g_filter("g3")), wait=True)
    client.delete(name, points_selector=models.PointIdsList(points=[5]), wait=True)
    bad_dim = failure(
        lambda: client.upsert(name, points=[models.PointStruct(id=500, vector=[0.1, 0.2])], wait=True)
    )
    unknown = failure(lambda: client.count("nope"))
    duplicate = failure(
        lambda: client.create_collection(name, vectors_config=models.VectorParams(size=2, distance=models.Distance.DOT))
    )
    return {"bad_dim": bad_dim, "unknown": unknown, "duplicate": duplicate}


def more_phase(client: QdrantClient, job: dict) -> dict:
    name = job["collection"]
    groups = client.query_points_groups(
        name, query=job["query"], group_by="g", limit=3, group_size=2, search_params=models.SearchParams(exact=True)
    ).groups
    matrix_filter = models.Filter(must=[models.HasIdCondition(has_id=job["matrix_ids"])])
    pairs = client.search_matrix_pairs(name, query_filter=matrix_filter, sample=len(job["matrix_ids"]), limit=2).pairs
    client.update_vectors(name, points=[models.PointVectors(id=1, vector=job["new_vector"])], wait=True)
    batch = client.batch_update_points(
        name,
        update_operations=[
            models.UpsertOperation(
                upsert=models.PointsList(points=[models.PointStruct(id=200, vector=job["new_vector"])])
            ),
            models.SetPayloadOperation(set_payload=models.SetPayload(payload={"b": 1}, points=[200, 2])),
            models.DeleteOperation(delete=models.PointIdsList(points=[6])),
        ],
        wait=True,
    )
    return {
        "groups": [{"id": g.id, "hits": scored(g.hits)} for g in groups],
        "pairs": [[p.a, p.b, p.score] for p in pairs],
        "batch": [r.status.value if hasattr(r.status, "value") else str(r.status) for r in batch],
    }


def main() -> None:
    job = json.load(sys.stdin)
    warnings.simplefilter("ignore")  # the api-key-over-http warning: a local test server
    client = QdrantClient(
        host="127.0.0.1",
        port=job["port"],
        grpc_port=job["grpc_port"],
        prefer_grpc=True,
        api_key=job["api_key"],
        https=False,
    )
    phases = {"read": read_phase, "write": write_phase, "more": more_phase}
    out = phases[job["phase"]](client, job)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
