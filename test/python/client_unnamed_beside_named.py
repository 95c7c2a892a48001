"""A dense name added beside the unnamed vector through the official Python client (qdrant-client's
create_vector_name): the collection's `vectors` becomes the map {"": ..., "dense": ...}, as in Qdrant.

Run by test/e2e/python-unnamed-beside-named.test.ts from the `clients` venv (test/support/python-env.ts) on a
collection the test created with an unnamed vector and sealed. Phase "add" creates the name and writes both vectors
in each shape the client sends; phase "read" (run again after sealing) reads points back and queries exactly without
`using`, with `using=""` and with `using="dense"`. What the server answered is printed as one JSON object and
compared in TypeScript against a brute force. Nothing is checked here.
"""

import json
import sys

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse


def refused(call) -> dict:
    try:
        call()
    except UnexpectedResponse as e:
        return {"status": e.status_code, "error": json.loads(e.content)["status"]["error"]}
    return {"status": 200, "error": ""}


def read(client: QdrantClient, name: str, job: dict) -> dict:
    out: dict = {}
    page, _ = client.scroll(name, limit=1000, with_vectors=True)
    out["points"] = {str(p.id): p.vector for p in page}
    exact = models.SearchParams(exact=True)
    unnamed = client.query_points(name, query=job["query"], limit=5, search_params=exact)
    by_empty = client.query_points(name, query=job["query"], using="", limit=5, search_params=exact)
    dense = client.query_points(name, query=job["dense_query"], using="dense", limit=5, search_params=exact)
    out["unnamed"] = [{"id": p.id, "score": p.score} for p in unnamed.points]
    out["by_empty"] = [{"id": p.id, "score": p.score} for p in by_empty.points]
    out["dense"] = [{"id": p.id, "score": p.score} for p in dense.points]
    return out


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], check_compatibility=False)
    name = job["collection"]
    out: dict = {}
    if job["phase"] == "add":
        dense = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=2, distance=models.Distance.DOT))
        out["created"] = client.create_vector_name(name, "dense", dense).status
        vectors = client.get_collection(name).config.params.vectors
        out["vectors"] = {k: [v.size, str(v.distance)] for k, v in vectors.items()}
        client.upsert(
            name,
            points=[models.PointStruct(id=p["id"], vector=p["vector"]) for p in job["points"]],
        )
        client.update_vectors(
            name,
            points=[models.PointVectors(id=u["id"], vector={"dense": u["dense"]}) for u in job["updates"]],
        )
        out["bad"] = refused(
            lambda: client.upsert(name, points=[models.PointStruct(id=999, vector={"": [1.0, 2.0], "dense": [1.0, 2.0]})])
        )
    out.update(read(client, name, job))
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
