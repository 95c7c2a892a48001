"""Drives float16 / uint8 collections through the official Python client (qdrant-client).

Run by test/e2e/python-datatypes.test.ts from the `clients` venv (test/support/python-env.ts), once per phase. The
job names the collections (datatype x originals on disk or not x int8 or not, each with a Cosine, a Dot and an
Euclid vector); phase "create" creates them; every phase upserts the job's points (if any), then queries every
vector exactly and by HNSW and retrieves some points. What the server answered is printed as one JSON object and
compared with brute force in TypeScript. Nothing is checked here.
"""

import json
import sys

from qdrant_client import QdrantClient, models

DISTANCES = {"cos": models.Distance.COSINE, "dot": models.Distance.DOT, "l2": models.Distance.EUCLID}


def create(client: QdrantClient, c: dict, dim: int) -> None:
    datatype = models.Datatype.FLOAT16 if c["datatype"] == "float16" else models.Datatype.UINT8
    quantization = (
        models.ScalarQuantization(scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, always_ram=True))
        if c["int8"]
        else None
    )
    client.create_collection(
        c["name"],
        vectors_config={
            name: models.VectorParams(size=dim, distance=d, datatype=datatype, on_disk=c["onDisk"])
            for name, d in DISTANCES.items()
        },
        hnsw_config=models.HnswConfigDiff(on_disk=c["onDisk"]),
        quantization_config=quantization,
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1, default_segment_number=3),
    )


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], timeout=60)
    out: dict = {}
    for c in job["collections"]:
        if job["phase"] == "create":
            create(client, c, job["dim"])
        if job["points"]:
            client.upsert(c["name"], points=[models.PointStruct(id=p["id"], vector=p["vector"]) for p in job["points"]])
        answer: dict = {}
        for name in DISTANCES:
            exact = client.query_points(
                c["name"], query=job["query"][name], using=name, limit=10, search_params=models.SearchParams(exact=True)
            )
            approx = client.query_points(c["name"], query=job["query"][name], using=name, limit=10)
            answer[name] = {
                "exact": [{"id": p.id, "score": p.score} for p in exact.points],
                "approx": [p.id for p in approx.points],
            }
        answer["retrieved"] = {
            str(p.id): p.vector for p in client.retrieve(c["name"], ids=job["retrieve"], with_vectors=True)
        }
        out[c["name"]] = answer
    print(json.dumps(out))


if __name__ == "__main__":
    main()
