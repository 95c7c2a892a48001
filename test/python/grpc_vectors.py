"""Sparse vectors and multivectors through QdrantClient(prefer_grpc=True), beside the same calls over REST.

Run by test/e2e/python-grpc-sparse-multivector.test.ts from the `clients` venv (test/support/python-env.ts). Phase
"write" creates two collections with the same config (dense "dense", MaxSim multivector "colbert", sparse "text"),
one through a gRPC client and one through a REST client, and upserts the job's points into each; phase "read" (after
the test sealed them) upserts the job's `more` points the same way, then queries both with a sparse and a multivector query (`using`) and retrieves points with
their vectors. Every answer is printed as JSON under "grpc" and "rest"; the test compares them with each other and
with brute force. Nothing is checked here.
"""

import json
import sys

from qdrant_client import QdrantClient, models


def clients(job: dict) -> dict[str, tuple[QdrantClient, str]]:
    return {
        "grpc": (QdrantClient(host="127.0.0.1", port=job["port"], grpc_port=job["grpc_port"], prefer_grpc=True), job["grpc_collection"]),
        "rest": (QdrantClient(url=f"http://127.0.0.1:{job['port']}"), job["rest_collection"]),
    }


def vectors(v: dict) -> dict:
    out: dict = {"dense": v["dense"]}
    if "colbert" in v:
        out["colbert"] = v["colbert"]
    if "text" in v:
        out["text"] = models.SparseVector(indices=v["text"]["indices"], values=v["text"]["values"])
    return out


def write(job: dict) -> dict:
    for client, name in clients(job).values():
        client.create_collection(
            name,
            vectors_config={
                "dense": models.VectorParams(size=4, distance=models.Distance.COSINE),
                "colbert": models.VectorParams(
                    size=3,
                    distance=models.Distance.DOT,
                    multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                ),
            },
            sparse_vectors_config={"text": models.SparseVectorParams(modifier=models.Modifier.NONE)},
        )
        client.upsert(name, points=[models.PointStruct(id=p["id"], vector=vectors(p["vector"])) for p in job["points"]])
    return {}


def scored(points) -> list[dict]:
    return [{"id": p.id, "score": p.score} for p in points]


def plain(v):
    """A retrieved vector as JSON: sparse vectors as {indices, values}."""
    if isinstance(v, models.SparseVector):
        return {"indices": v.indices, "values": v.values}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def read(job: dict) -> dict:
    out: dict = {}
    for door, (client, name) in clients(job).items():
        client.upsert(name, points=[models.PointStruct(id=p["id"], vector=vectors(p["vector"])) for p in job["more"]])
        info = client.get_collection(name).config.params
        s = job["sparse_query"]
        out[door] = {
            "multivector": info.vectors["colbert"].multivector_config.comparator.value,
            "sparse_names": sorted(info.sparse_vectors.keys()),
            "sparse": scored(
                client.query_points(
                    name, query=models.SparseVector(indices=s["indices"], values=s["values"]), using="text", limit=8
                ).points
            ),
            "multi": scored(
                client.query_points(
                    name,
                    query=job["multi_query"],
                    using="colbert",
                    limit=10,
                    search_params=models.SearchParams(exact=True),
                ).points
            ),
            "retrieve": [
                {"id": p.id, "vector": plain(p.vector)} for p in client.retrieve(name, ids=job["retrieve"], with_vectors=True)
            ],
        }
    return out


if __name__ == "__main__":
    job = json.load(sys.stdin)
    print(json.dumps({"write": write, "read": read}[job["phase"]](job)))
