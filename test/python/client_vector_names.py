"""Adds and deletes vector names through the official Python client (qdrant-client's create_vector_name /
delete_vector_name, Qdrant 1.16+).

Run by test/e2e/python-vector-names.test.ts from the `clients` venv (test/support/python-env.ts), in two phases on a
collection the test created and sealed: "add" creates a dense and a sparse name, writes the dense one on some points
and queries it exactly; "recreate" deletes the dense name and creates it again with another size, then reads every
point back and queries the new name. What the server answered (and the status and message of a refused call) is
printed as one JSON object and compared in TypeScript. Nothing is checked here.
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


def points_of(client: QdrantClient, name: str) -> dict:
    page, _ = client.scroll(name, limit=1000, with_vectors=True)
    return {str(p.id): sorted(p.vector.keys()) for p in page}


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], check_compatibility=False)
    name = job["collection"]
    out: dict = {}
    if job["phase"] == "add":
        dense = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=3, distance=models.Distance.DOT))
        out["created"] = client.create_vector_name(name, "extra", dense).status
        sparse = models.SparseVectorNameConfig(sparse=models.SparseVectorConfig(modifier=models.Modifier.IDF))
        client.create_vector_name(name, "kw", sparse)
        info = client.get_collection(name).config.params
        out["vectors"] = sorted(info.vectors.keys())
        out["sparse"] = {k: v.modifier for k, v in (info.sparse_vectors or {}).items()}
        out["before"] = points_of(client, name)
        client.update_vectors(
            name,
            points=[models.PointVectors(id=p["id"], vector={"extra": p["extra"]}) for p in job["points"]],
        )
        res = client.query_points(
            name, query=job["query"], using="extra", limit=10, search_params=models.SearchParams(exact=True)
        )
        out["hits"] = [{"id": p.id, "score": p.score} for p in res.points]
        out["conflict"] = refused(
            lambda: client.create_vector_name(
                name,
                "extra",
                models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=4, distance=models.Distance.DOT)),
            )
        )
    else:
        out["deleted"] = client.delete_vector_name(name, "extra").status
        out["unknown"] = refused(lambda: client.query_points(name, query=[1.0, 2.0, 3.0], using="extra", limit=3))
        smaller = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=2, distance=models.Distance.DOT))
        client.create_vector_name(name, "extra", smaller)
        out["after"] = points_of(client, name)
        res = client.query_points(
            name, query=[1.0, 1.0], using="extra", limit=10, search_params=models.SearchParams(exact=True)
        )
        out["hits"] = [{"id": p.id, "score": p.score} for p in res.points]
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
