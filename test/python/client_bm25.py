"""BM25 + dense hybrid search through the official Python client with server-side inference (cloud_inference=True).

Run by test/e2e/python-bm25-hybrid.test.ts from the `clients` venv (test/support/python-env.ts), twice: phase "load"
creates a collection with a dense vector "dense" and a sparse vector "text", and upserts every point with its dense
vector and `models.Document(text=..., model="qdrant/bm25")` for "text" (half as a points list, half as a batch), so
the server embeds the texts (the test then seals them into segments). Phase "change" replaces one point's text with
update_vectors (a Document again), then for each query runs: the BM25 query alone, the dense query alone (exact),
and the hybrid: both as prefetches fused with RRF; retrieves every point's stored sparse vector; and sends a Document
to the dense name to capture the server's refusal. Qdrant's own embedder (qdrant_edge.Bm25) embeds every text and
query here too, so the test can compare what the server stored and searched with with Qdrant's vectors.
Everything comes from the job on stdin and goes back as one JSON object; nothing is checked here.
"""

import json
import sys

import qdrant_edge
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

BM25 = "qdrant/bm25"


def doc(text: str) -> models.Document:
    return models.Document(text=text, model=BM25)


def sparse(v) -> dict:
    return {"indices": list(v.indices), "values": list(v.values)}


def load(client: QdrantClient, job: dict) -> dict:
    c = job["collection"]
    client.create_collection(
        c,
        vectors_config={"dense": models.VectorParams(size=job["dim"], distance=models.Distance.COSINE)},
        sparse_vectors_config={"text": models.SparseVectorParams()},
    )
    points = job["points"]
    half = len(points) // 2
    client.upsert(
        c,
        points=[
            models.PointStruct(id=p["id"], vector={"dense": p["dense"], "text": doc(p["text"])}, payload={"text": p["text"]})
            for p in points[:half]
        ],
    )
    rest = points[half:]
    client.upsert(
        c,
        points=models.Batch(
            ids=[p["id"] for p in rest],
            vectors={"dense": [p["dense"] for p in rest], "text": [doc(p["text"]) for p in rest]},
            payloads=[{"text": p["text"]} for p in rest],
        ),
    )
    return {"count": client.count(c).count}


def change(client: QdrantClient, job: dict) -> dict:
    c = job["collection"]
    edge = qdrant_edge.Bm25(qdrant_edge.Bm25Config())
    upd = job["update"]
    client.update_vectors(c, points=[models.PointVectors(id=upd["id"], vector={"text": doc(upd["text"])})])

    exact = models.SearchParams(exact=True)
    out: dict = {"queries": []}
    for q in job["queries"]:
        bm25 = client.query_points(c, query=doc(q["text"]), using="text", limit=job["prefetch"]).points
        dense = client.query_points(
            c, query=q["dense"], using="dense", limit=job["prefetch"], search_params=exact
        ).points
        hybrid = client.query_points(
            c,
            prefetch=[
                models.Prefetch(query=q["dense"], using="dense", limit=job["prefetch"], params=exact),
                models.Prefetch(query=doc(q["text"]), using="text", limit=job["prefetch"]),
            ],
            query=models.FusionQuery(fusion=models.Fusion.RRF),
            limit=job["limit"],
        ).points
        out["queries"].append(
            {
                "edge": sparse(edge.embed_query(q["text"])),
                "bm25": [{"id": p.id, "score": p.score} for p in bm25],
                "dense": [{"id": p.id, "score": p.score} for p in dense],
                "hybrid": [{"id": p.id, "score": p.score} for p in hybrid],
            }
        )

    got = client.retrieve(c, ids=job["ids"], with_vectors=["text"])
    out["stored"] = {str(p.id): {"indices": p.vector["text"].indices, "values": p.vector["text"].values} for p in got}
    out["edge_docs"] = {str(p["id"]): sparse(edge.embed_document(p["text"])) for p in job["texts"]}

    try:
        client.upsert(c, points=[models.PointStruct(id=1, vector={"dense": doc("not a dense vector")})])
        out["dense_refusal"] = None
    except UnexpectedResponse as e:
        out["dense_refusal"] = {"status": e.status_code, "body": json.loads(e.content)}
    return out


def main() -> None:
    job = json.load(sys.stdin)
    # cloud_inference: the client sends Documents to the server instead of embedding them with fastembed
    client = QdrantClient(url=job["url"], timeout=30, cloud_inference=True)
    out = load(client, job) if job["phase"] == "load" else change(client, job)
    client.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
