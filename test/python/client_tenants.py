"""Qdrant's multitenancy layout through the official Python client (qdrant-client), as its guide writes it.

Run by test/e2e/python-multitenancy.test.ts from the `clients` venv (test/support/python-env.ts), twice: phase
"load" creates the collection with `hnsw_config=HnswConfigDiff(payload_m=16, m=0)` and a keyword index with
`is_tenant=True` on `group_id`, and upserts the job's points (the test then seals them into segments); phase "query"
runs each job query filtered by its tenant, once at the default ef and once with `exact=True`, and reads the
collection's hnsw_config back. What the server answered is printed as one JSON object and compared in TypeScript.
"""

import json
import sys

from qdrant_client import QdrantClient, models


def load(client: QdrantClient, job: dict) -> dict:
    client.create_collection(
        job["collection"],
        vectors_config=models.VectorParams(size=job["dim"], distance=models.Distance.COSINE),
        hnsw_config=models.HnswConfigDiff(payload_m=16, m=0, full_scan_threshold=job["full_scan_kb"]),
        optimizers_config=models.OptimizersConfigDiff(default_segment_number=2, indexing_threshold=1),
    )
    client.create_payload_index(
        collection_name=job["collection"],
        field_name="group_id",
        field_schema=models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
    )
    client.upsert(
        job["collection"],
        points=[
            models.PointStruct(id=p["id"], vector=p["vector"], payload={"group_id": p["group_id"]})
            for p in job["points"]
        ],
        wait=True,
    )
    return {"ok": True}


def query(client: QdrantClient, job: dict) -> dict:
    def run(q: dict, exact: bool) -> list[int]:
        hits = client.query_points(
            collection_name=job["collection"],
            query=q["vector"],
            query_filter=models.Filter(
                must=[models.FieldCondition(key="group_id", match=models.MatchValue(value=q["group_id"]))]
            ),
            search_params=models.SearchParams(exact=exact),
            limit=10,
        ).points
        return [h.id for h in hits]

    info = client.get_collection(job["collection"])
    return {
        "hnsw": {"m": info.config.hnsw_config.m, "payload_m": info.config.hnsw_config.payload_m},
        "walked": [run(q, False) for q in job["queries"]],
        "exact": [run(q, True) for q in job["queries"]],
    }


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], prefer_grpc=False, timeout=60)
    out = load(client, job) if job["phase"] == "load" else query(client, job)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
