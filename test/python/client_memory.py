"""Drives Qdrant 1.19's memory placements through the official Python client (qdrant-client).

Run by test/e2e/python-memory-placement.test.ts from the `clients` venv (test/support/python-env.ts), twice: phase
"load" creates one collection per placement of the job (`memory` on the originals, the HNSW graph, the int8 codes
and the payload storage, or the deprecated flags only) and upserts the job's points, then sends what Qdrant refuses
(`memory: "hot"`, pinned originals) as raw JSON, since the client's own models would refuse it first; phase "query"
(after the test sealed the points into segments) queries each collection approximately and exactly and reads its
collection info. What the server answered is printed as one JSON object and checked in TypeScript. Nothing is
checked here.
"""

import json
import sys

import httpx
from qdrant_client import QdrantClient, models


def memory(value):
    return None if value is None else models.Memory(value)


def load(client: QdrantClient, job: dict) -> dict:
    for name, c in job["collections"].items():
        client.create_collection(
            name,
            vectors_config=models.VectorParams(
                size=job["dim"],
                distance=models.Distance.COSINE,
                on_disk=c.get("on_disk"),
                memory=memory(c.get("vectors")),
            ),
            hnsw_config=models.HnswConfigDiff(on_disk=c.get("hnsw_on_disk"), memory=memory(c.get("graph"))),
            quantization_config=models.ScalarQuantization(
                scalar=models.ScalarQuantizationConfig(
                    type=models.ScalarType.INT8, always_ram=c.get("always_ram"), memory=memory(c.get("quantized"))
                )
            ),
            # a graph even for these few points, so the graph's placement is exercised
            optimizers_config=models.OptimizersConfigDiff(indexing_threshold=1, default_segment_number=1),
            payload=models.PayloadStorageParams(memory=memory(c["payload"])) if c.get("payload") else None,
        )
        client.upsert(
            name,
            points=[models.PointStruct(id=p["id"], vector=p["vector"], payload={"n": p["id"]}) for p in job["points"]],
        )
    refused = {}
    for label, body in job["refused"].items():
        r = httpx.put(f"{job['url']}/collections/{label}", json=body, timeout=30)
        refused[label] = {"status": r.status_code, "error": r.json()["status"]["error"]}
    return {"refused": refused, "collections": sorted(c.name for c in client.get_collections().collections)}


def query(client: QdrantClient, job: dict) -> dict:
    out = {}
    for name in job["collections"]:
        approx = client.query_points(name, query=job["query"], limit=10, with_payload=True)
        exact = client.query_points(
            name, query=job["query"], limit=10, search_params=models.SearchParams(exact=True)
        )
        info = client.get_collection(name)
        out[name] = {
            "approx": [{"id": p.id, "score": p.score, "n": p.payload["n"]} for p in approx.points],
            "exact": [{"id": p.id, "score": p.score} for p in exact.points],
            "status": str(info.status.value),
            "config": json.loads(info.config.model_dump_json(exclude_none=True)),
        }
    return out


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], timeout=60)
    result = load(client, job) if job["phase"] == "load" else query(client, job)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
