"""Drives Strata through the official Python client (qdrant-client) and LangChain's QdrantVectorStore.

Run by test/e2e/python-client.test.ts from the `clients` venv (test/support/python-env.ts). Reads one JSON job on
stdin (the server URL, the collection, the query vectors and example ids the test chose), makes each call once and
prints one JSON object with what the server answered; the test compares it with brute force computed in TypeScript.
Nothing is checked here, so a wrong answer always reaches the assertions.

LangChain needs an embedding model: FakeEmbeddings derives a text's vector from its SHA-256 (bytes mapped to
[-1, 1]), deterministic and downloaded from nowhere; the test recomputes the same vectors with node:crypto.
"""

import hashlib
import json
import sys
import warnings

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


def scored(points: list[models.ScoredPoint]) -> list[dict]:
    return [{"id": p.id, "score": p.score} for p in points]


def main() -> None:
    job = json.load(sys.stdin)
    exact = models.SearchParams(exact=True)
    c = job["collection"]
    out: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = QdrantClient(url=job["url"], check_compatibility=True, timeout=30)

        hot = models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchValue(value="hot"))])
        out["fusion"] = scored(
            client.query_points(
                c,
                prefetch=[
                    models.Prefetch(query=job["q0"], limit=20, params=exact),
                    models.Prefetch(query=job["q1"], limit=20, params=exact, filter=hot),
                ],
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=10,
            ).points
        )

        groups = client.query_points_groups(
            c, query=job["q0"], group_by="g", group_size=2, limit=3, search_params=exact
        )
        out["groups"] = [{"id": g.id, "hits": [h.id for h in g.hits]} for g in groups.groups]

        rec = job["recommend"]
        out["recommend"] = scored(
            client.query_points(
                c,
                query=models.RecommendQuery(
                    recommend=models.RecommendInput(
                        positive=rec["positive"],
                        negative=rec["negative"],
                        strategy=models.RecommendStrategy.BEST_SCORE,
                    )
                ),
                limit=10,
            ).points
        )

        disc = job["discover"]
        out["discover"] = scored(
            client.query_points(
                c,
                query=models.DiscoverQuery(
                    discover=models.DiscoverInput(
                        target=disc["target"],
                        context=[models.ContextPair(positive=p, negative=n) for p, n in disc["pairs"]],
                    )
                ),
                limit=10,
            ).points
        )

        cold = models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchValue(value="cold"))])
        matrix = client.search_matrix_pairs(c, sample=6, limit=2, query_filter=cold)
        out["matrix"] = [{"a": p.a, "b": p.b, "score": p.score} for p in matrix.pairs]

        lc = job["langchain"]
        client.create_collection(
            lc["collection"],
            vectors_config=models.VectorParams(size=lc["dim"], distance=models.Distance.COSINE),
        )
        store = QdrantVectorStore(
            client=client, collection_name=lc["collection"], embedding=FakeEmbeddings(lc["dim"]), vector_name=""
        )
        store.add_texts(lc["texts"], metadatas=[{"n": i} for i in range(len(lc["texts"]))], ids=lc["ids"])
        docs = store.max_marginal_relevance_search(lc["query"], k=lc["k"], fetch_k=lc["fetch_k"], lambda_mult=0.5)
        out["mmr"] = [{"id": d.metadata["_id"], "text": d.page_content, "n": d.metadata["n"]} for d in docs]
        client.close()
    out["warnings"] = [str(w.message) for w in caught]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
