"""Drives named vectors through the official Python client (qdrant-client) and LangChain's QdrantVectorStore.

Run by test/e2e/python-named-vectors.test.ts from the `clients` venv (test/support/python-env.ts), twice: phase
"load" creates the collection with named vectors and upserts the first points (the test then seals them into
segments); phase "change" updates and deletes single vectors, runs one batch, upserts with update_mode insert_only,
then queries each name with `using`, retrieves the changed points with their vectors, and runs a LangChain store
whose vector is the name "dense". Every vector and id comes from the job on stdin; what the server answered is
printed as one JSON object and compared with brute force in TypeScript. Nothing is checked here.
"""

import hashlib
import json
import sys

from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore
from qdrant_client import QdrantClient, models


class FakeEmbeddings(Embeddings):
    """A text's vector: the first `dim` bytes of its SHA-256, each mapped to (b - 127.5) / 127.5."""

    def __init__(self, dim: int) -> None:
        self.dim = dim

    def _embed(self, text: str) -> list[float]:
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        return [(b - 127.5) / 127.5 for b in digest[: self.dim]]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def structs(points: list[dict]) -> list[models.PointStruct]:
    return [models.PointStruct(id=p["id"], vector=p["vector"]) for p in points]


def load(client: QdrantClient, job: dict) -> dict:
    spaces = job["spaces"]
    client.create_collection(
        job["collection"],
        vectors_config={
            name: models.VectorParams(
                size=s["size"], distance=models.Distance(s["distance"]), on_disk=s.get("on_disk", False)
            )
            for name, s in spaces.items()
        },
        quantization_config=models.ScalarQuantization(
            scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=0.99, always_ram=True)
        ),
    )
    client.upsert(job["collection"], points=structs(job["points"]))
    return {"vectors": sorted(client.get_collection(job["collection"]).config.params.vectors.keys())}


def change(client: QdrantClient, job: dict) -> dict:
    c = job["collection"]
    out: dict = {}
    client.update_vectors(c, points=[models.PointVectors(id=p["id"], vector=p["vector"]) for p in job["update"]])
    d = job["delete_vectors"]
    client.delete_vectors(c, vectors=d["vectors"], points=d["points"])
    b = job["batch"]
    out["batch"] = [
        r.status.value
        for r in client.batch_update_points(
            c,
            update_operations=[
                models.UpsertOperation(upsert=models.PointsList(points=structs(b["upsert"]))),
                models.DeleteOperation(delete=models.PointIdsList(points=b["delete"])),
                models.UpdateVectorsOperation(
                    update_vectors=models.UpdateVectors(
                        points=[models.PointVectors(id=p["id"], vector=p["vector"]) for p in b["update"]]
                    )
                ),
                models.DeleteVectorsOperation(
                    delete_vectors=models.DeleteVectors(
                        points=b["delete_vectors"]["points"], vector=b["delete_vectors"]["vectors"]
                    )
                ),
            ],
        )
    ]
    client.upsert(c, points=structs(job["insert_only"]), update_mode=models.UpdateMode.INSERT_ONLY)

    exact = models.SearchParams(exact=True)
    out["queries"] = {
        name: [
            {"id": p.id, "score": p.score}
            for p in client.query_points(c, query=q, using=name, limit=10, search_params=exact).points
        ]
        for name, q in job["queries"].items()
    }
    got = client.retrieve(c, ids=job["retrieve"], with_vectors=True)
    out["retrieved"] = {str(p.id): p.vector for p in got}

    lc = job["langchain"]
    client.create_collection(
        lc["collection"],
        vectors_config={"dense": models.VectorParams(size=lc["dim"], distance=models.Distance.COSINE)},
    )
    store = QdrantVectorStore(
        client=client, collection_name=lc["collection"], embedding=FakeEmbeddings(lc["dim"]), vector_name="dense"
    )
    store.add_texts(lc["texts"], ids=lc["ids"])
    found = store.similarity_search_with_score(lc["query"], k=lc["k"])
    out["langchain"] = [{"id": d.metadata["_id"], "text": d.page_content, "score": s} for d, s in found]
    return out


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], timeout=30)
    out = load(client, job) if job["phase"] == "load" else change(client, job)
    client.close()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
