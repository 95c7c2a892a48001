"""The has_vector filter condition through the official Python client, over REST and over gRPC
(QdrantClient(prefer_grpc=True)).

Run by test/e2e/python-has-vector.test.ts from the `clients` venv (test/support/python-env.ts). Phase "write" creates
a collection with a dense name `a` and a sparse name `s` and upserts points holding either, both or neither; then
deletes `a` from some points; phase "upsert" only upserts (a point rewritten without `a` drops it). Every phase reads: query_points, scroll and count under has_vector filters in must,
must_not and should, through both clients. What the server answered is printed as one JSON object and compared in
TypeScript against a brute force; nothing is checked here.
"""

import json
import sys

from qdrant_client import QdrantClient, models
from strata_clients import rest_and_grpc


def has(name: str) -> models.HasVectorCondition:
    return models.HasVectorCondition(has_vector=name)


def filters() -> dict:
    return {
        "must_a": models.Filter(must=[has("a")]),
        "must_not_s": models.Filter(must_not=[has("s")]),
        "a_without_s": models.Filter(must=[has("a")], must_not=[has("s")]),
        "should_a_or_s": models.Filter(should=[has("a"), has("s")]),
        "unknown": models.Filter(must=[has("nope")]),
    }


def write(rest: QdrantClient, job: dict) -> None:
    name = job["collection"]
    if job["phase"] == "write":
        rest.create_collection(
            name,
            vectors_config={"a": models.VectorParams(size=3, distance=models.Distance.DOT)},
            sparse_vectors_config={"s": models.SparseVectorParams()},
        )
    points = []
    for p in job["points"]:
        vector = {}
        if p.get("a") is not None:
            vector["a"] = p["a"]
        if p.get("s") is not None:
            vector["s"] = models.SparseVector(indices=p["s"]["indices"], values=p["s"]["values"])
        points.append(models.PointStruct(id=p["id"], vector=vector, payload={"n": p["id"]}))
    rest.upsert(name, points=points)
    if job["drop_a"]:
        rest.delete_vectors(name, vectors=["a"], points=job["drop_a"])


def scroll_ids(client: QdrantClient, name: str, flt: models.Filter) -> list[int]:
    ids: list[int] = []
    offset = None
    while True:
        page, offset = client.scroll(name, scroll_filter=flt, limit=7, offset=offset, with_payload=False)
        ids.extend(p.id for p in page)
        if offset is None:
            return sorted(ids)


def read(client: QdrantClient, job: dict) -> dict:
    name = job["collection"]
    out: dict = {}
    for key, flt in filters().items():
        found = client.query_points(name, query=job["query"], using="a", query_filter=flt, limit=5).points
        out[key] = {
            "query": [{"id": p.id, "score": p.score} for p in found],
            "scroll": scroll_ids(client, name, flt),
            "count": client.count(name, count_filter=flt, exact=True).count,
        }
    return out


def main() -> None:
    job = json.load(sys.stdin)
    rest, over_grpc = rest_and_grpc(job)
    if job["phase"] != "read":
        write(rest, job)
    print(json.dumps({"rest": read(rest, job), "grpc": read(over_grpc, job)}))


if __name__ == "__main__":
    main()
