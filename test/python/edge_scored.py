"""Qdrant's own engine answering the example-scored query forms over a multivector and sparse names, for
test/e2e/edge-scored-parity.test.ts: one Qdrant Edge shard (qdrant-edge-py, pinned in test/support/python-env.ts)
with a MaxSim Dot multivector "colbert", a sparse "text" and a sparse "weighted" with the IDF modifier, holding the
job's points; every query of the job is answered with inline example vectors.

Input (stdin, one JSON object):
  {"dir": path, "points": [{"id": n, "colbert"?: rows, "text"?: {"indices", "values"}}],
   "queries": [{"key": s, "using": name, "kind": "best_score"|"sum_scores"|"discover"|"context"|"feedback",
                "positive"?, "negative"?, "target"?, "pairs"?: [[pos, neg]], "feedback"?: [[vector, score]],
                "strategy"?: {"a", "b", "c"}, "limit": n}]}
Output (stdout, one JSON object): {key: [{"id", "score"}]} in the engine's order. Nothing is checked here.
"""

import json
import sys

import qdrant_edge as qe


def vector(using, v):
    return v if using == "colbert" else qe.SparseVector(v["indices"], v["values"])


def query(q):
    u = q["using"]
    vs = lambda xs: [vector(u, x) for x in xs]  # noqa: E731
    kind = q["kind"]
    if kind in ("best_score", "sum_scores"):
        reco = qe.RecommendQuery(positives=vs(q["positive"]), negatives=vs(q["negative"]))
        make = qe.Query.RecommendBestScore if kind == "best_score" else qe.Query.RecommendSumScores
        return make(reco, using=u)
    pairs = [qe.ContextPair(positive=vector(u, p), negative=vector(u, n)) for p, n in q.get("pairs", [])]
    if kind == "discover":
        return qe.Query.Discover(qe.DiscoverQuery(target=vector(u, q["target"]), pairs=pairs), using=u)
    if kind == "context":
        return qe.Query.Context(qe.ContextQuery(pairs=pairs), using=u)
    s = q["strategy"]
    feedback = [qe.FeedbackItem(vector=vector(u, v), score=score) for v, score in q["feedback"]]
    naive = qe.NaiveFeedbackStrategy(a=s["a"], b=s["b"], c=s["c"])
    return qe.Query.FeedbackNaive(
        qe.FeedbackNaiveQuery(target=vector(u, q["target"]), feedback=feedback, strategy=naive), using=u
    )


def main():
    job = json.loads(sys.stdin.read())
    config = qe.EdgeConfig(
        vectors={
            "colbert": qe.EdgeVectorParams(
                size=3,
                distance=qe.Distance.Dot,
                multivector_config=qe.MultiVectorConfig(comparator=qe.MultiVectorComparator.MaxSim),
            )
        },
        sparse_vectors={
            "text": qe.EdgeSparseVectorParams(),
            "weighted": qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf),
        },
    )
    shard = qe.EdgeShard.create(job["dir"], config)
    points = []
    for p in job["points"]:
        named = {}
        if "colbert" in p:
            named["colbert"] = p["colbert"]
        if "text" in p:
            named["text"] = vector("text", p["text"])
            named["weighted"] = vector("weighted", p["text"])
        points.append(qe.Point(p["id"], named))
    shard.update(qe.UpdateOperation.upsert_points(points))
    out = {}
    for q in job["queries"]:
        hits = shard.query(qe.QueryRequest(limit=q["limit"], query=query(q)))
        out[q["key"]] = [{"id": h.id, "score": h.score} for h in hits]
    shard.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
