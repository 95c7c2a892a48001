"""Drives multivectors and vector datatypes through the official Python client (qdrant-client).

Run by test/e2e/python-multivectors.test.ts from the `clients` venv (test/support/python-env.ts), twice: phase
"load" creates the collections (a named multivector with int8 codes beside a dense name; an unnamed float16 and an
unnamed uint8 vector) and upserts the job's points; both phases then query and retrieve. Every vector and id comes
from the job on stdin; what the server answered is printed as one JSON object and compared with brute force in
TypeScript. Nothing is checked here.
"""

import json
import sys

from qdrant_client import QdrantClient, models


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], timeout=60)
    if job["phase"] == "load":
        client.create_collection(
            "py_mv",
            vectors_config={
                "colbert": models.VectorParams(
                    size=4,
                    distance=models.Distance.COSINE,
                    multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                    quantization_config=models.ScalarQuantization(
                        scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, always_ram=True)
                    ),
                ),
                "dense": models.VectorParams(size=4, distance=models.Distance.DOT),
            },
            optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1),
        )
        client.upsert("py_mv", points=[models.PointStruct(id=p["id"], vector=p["vector"]) for p in job["multi"]])
        for name, datatype in (("py_half", models.Datatype.FLOAT16), ("py_bytes", models.Datatype.UINT8)):
            client.create_collection(
                name, vectors_config=models.VectorParams(size=4, distance=models.Distance.EUCLID, datatype=datatype)
            )
            client.upsert(name, points=[models.PointStruct(id=p["id"], vector=p["vector"]) for p in job["plain"]])
    out: dict = {"config": {}}
    for name in ("py_mv", "py_half", "py_bytes"):
        out["config"][name] = client.get_collection(name).config.params.vectors
    hits = client.query_points("py_mv", query=job["query"], using="colbert", limit=10, search_params=models.SearchParams(exact=True))
    out["multi"] = [{"id": p.id, "score": p.score} for p in hits.points]
    approx = client.query_points("py_mv", query=job["query"], using="colbert", limit=10)
    out["approx"] = [p.id for p in approx.points]
    out["retrieved"] = {
        str(p.id): p.vector for p in client.retrieve("py_mv", ids=job["retrieve"], with_vectors=True)
    }
    for name in ("py_half", "py_bytes"):
        got = client.query_points(name, query=job["plainQuery"], limit=5, search_params=models.SearchParams(exact=True))
        out[name] = [{"id": p.id, "score": p.score} for p in got.points]
        out[name + "_vector"] = client.retrieve(name, ids=[job["retrieve"][0]], with_vectors=True)[0].vector
    print(json.dumps(out, default=lambda o: o.model_dump(mode="json", exclude_none=True)))


if __name__ == "__main__":
    main()
