"""Drives every quantization kind through the official Python client (qdrant-client) for
test/e2e/python-quantization.test.ts, run from the `clients` venv (test/support/python-env.ts).

Phases (the job on stdin names one):
  "create"  creates each collection of the job with its `quantization_config` (as the client's own models) and
            upserts its points; prints each collection's quantization_config as collection info echoes it
  "query"   runs the guide's queries on each collection: exact, quantization ignored, rescored with oversampling,
            codes only (rescore false); prints ids and scores
  "patch"   switches a collection's quantization_config (update_collection); prints the result
Every vector comes from the job; nothing is checked here: TypeScript compares the answers with brute force.
"""

import json
import sys

from qdrant_client import QdrantClient, models

KINDS = {
    "scalar": models.ScalarQuantization,
    "binary": models.BinaryQuantization,
    "product": models.ProductQuantization,
    "turbo": models.TurboQuantization,
}


def quantization(q):
    if q is None:
        return None
    if q == "Disabled":
        return models.Disabled.DISABLED
    (kind,) = q.keys()
    return KINDS[kind].model_validate(q)


def create(client, job):
    echoed = {}
    for c in job["collections"]:
        client.create_collection(
            c["name"],
            vectors_config=models.VectorParams(size=c["size"], distance=models.Distance(c["distance"])),
            quantization_config=quantization(c["quantization"]),
            optimizers_config=models.OptimizersConfigDiff(indexing_threshold=c["indexing_threshold"]),
        )
        client.upsert(
            c["name"],
            points=[models.PointStruct(id=i, vector=v) for i, v in enumerate(job["points"])],
            wait=True,
        )
        info = client.get_collection(c["name"])
        q = info.config.quantization_config
        echoed[c["name"]] = None if q is None else json.loads(q.model_dump_json(exclude_none=True))
    return echoed


SEARCHES = {
    "exact": models.SearchParams(exact=True),
    "ignore": models.SearchParams(quantization=models.QuantizationSearchParams(ignore=True)),
    "rescore": models.SearchParams(quantization=models.QuantizationSearchParams(rescore=True, oversampling=4.0)),
    "codes": models.SearchParams(quantization=models.QuantizationSearchParams(rescore=False)),
}


def query(client, job):
    out = {}
    for name in job["names"]:
        out[name] = {}
        for label, params in SEARCHES.items():
            out[name][label] = [
                [{"id": p.id, "score": p.score} for p in client.query_points(name, query=q, limit=10, search_params=params).points]
                for q in job["queries"]
            ]
    return out


def patch(client, job):
    return client.update_collection(job["name"], quantization_config=quantization(job["quantization"]))


def main():
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], prefer_grpc=False, timeout=60, check_compatibility=False)
    result = {"create": create, "query": query, "patch": patch}[job["phase"]](client, job)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
