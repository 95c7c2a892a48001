"""Drives the example-scored query forms over a multivector and a sparse name through the official Python client.

Run by test/e2e/python-scored-examples.test.ts from the `clients` venv (test/support/python-env.ts), twice: phase
"load" creates the collection (a MaxSim Cosine multivector "colbert" and a sparse "text") and upserts the job's
points; both phases then query: recommend best_score and sum_scores, discover and context (the query API: this client
version has no legacy recommend), with point ids as examples. What the server answered is printed as one JSON object and compared with brute
force in TypeScript. Nothing is checked here.
"""

import json
import sys

from qdrant_client import QdrantClient, models

C = "py_scored"


def scored(points) -> list:
    return [{"id": p.id, "score": p.score} for p in points]


def main() -> None:
    job = json.load(sys.stdin)
    client = QdrantClient(url=job["url"], timeout=60)
    if job["phase"] == "load":
        client.create_collection(
            C,
            vectors_config={
                "colbert": models.VectorParams(
                    size=3,
                    distance=models.Distance.COSINE,
                    multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                ),
            },
            sparse_vectors_config={"text": models.SparseVectorParams()},
            optimizers_config=models.OptimizersConfigDiff(default_segment_number=2),
        )
        points = []
        for p in job["points"]:
            vector = {"colbert": p["colbert"]}
            if p.get("text"):
                vector["text"] = models.SparseVector(indices=p["text"]["indices"], values=p["text"]["values"])
            points.append(models.PointStruct(id=p["id"], vector=vector))
        client.upsert(C, points=points, wait=True)
    a, b, c, d = job["examples"]
    out = {}
    for using in ("colbert", "text"):
        best = models.RecommendQuery(
            recommend=models.RecommendInput(positive=[a, b], negative=[c], strategy=models.RecommendStrategy.BEST_SCORE)
        )
        out[f"{using}_best"] = scored(client.query_points(C, query=best, using=using, limit=6).points)
        total = models.RecommendQuery(
            recommend=models.RecommendInput(positive=[a], negative=[d], strategy=models.RecommendStrategy.SUM_SCORES)
        )
        out[f"{using}_sum"] = scored(client.query_points(C, query=total, using=using, limit=6).points)
        discover = models.DiscoverQuery(
            discover=models.DiscoverInput(target=a, context=[models.ContextPair(positive=b, negative=c)])
        )
        out[f"{using}_discover"] = scored(client.query_points(C, query=discover, using=using, limit=6).points)
        context = models.ContextQuery(context=[models.ContextPair(positive=c, negative=d)])
        out[f"{using}_context"] = scored(client.query_points(C, query=context, using=using, limit=6).points)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
