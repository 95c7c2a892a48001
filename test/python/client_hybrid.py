"""Drives hybrid (dense + sparse) retrieval through LangChain's and LlamaIndex's Qdrant vector stores.

Run by test/e2e/python-langchain-hybrid.test.ts from the `clients` venv (test/support/python-env.ts), in phases:
"load" builds a LangChain store in RetrievalMode.HYBRID with from_texts (the store creates the collection: unnamed
dense vector + sparse "langchain-sparse"); the test then seals those points into segments; "run" adds documents
(they stay in the WAL tail), runs hybrid searches with and without a metadata filter, a RetrievalMode.SPARSE search
over the same collection, deletes some ids and searches again; "llama" does the same through LlamaIndex with
enable_hybrid and its own sparse functions. Both embeddings are deterministic functions of the text, written here
and mirrored in TypeScript: the test recomputes every ranking by brute force. Nothing is checked here.
"""

import hashlib
import json
import re
import sys

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore, RetrievalMode, SparseEmbeddings, SparseVector
from qdrant_client import QdrantClient, models

DIM = 8


def dense(text: str) -> list[float]:
    """The first DIM bytes of the text's SHA-256, each mapped to (b - 127.5) / 127.5."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [(b - 127.5) / 127.5 for b in digest[:DIM]]


def token_id(token: str) -> int:
    return int.from_bytes(hashlib.sha256(token.encode("utf-8")).digest()[:2], "little")


def token_weight(token: str) -> float:
    return 0.5 + hashlib.sha256(token.encode("utf-8")).digest()[2] / 256


def sparse(text: str, document: bool) -> tuple[list[int], list[float]]:
    """Term counts times a per-token weight; a document's also times a per-text jitter so no two documents tie."""
    jitter = 1 + int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:2], "little") / 65536 if document else 1
    weights: dict[int, float] = {}
    for token in re.findall(r"[a-z0-9]+", text.lower()):
        i = token_id(token)
        weights[i] = weights.get(i, 0.0) + token_weight(token) * jitter
    indices = sorted(weights)
    return indices, [weights[i] for i in indices]


class HashEmbeddings(Embeddings):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [dense(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return dense(text)


class HashSparseEmbeddings(SparseEmbeddings):
    def embed_documents(self, texts: list[str]) -> list[SparseVector]:
        return [SparseVector(indices=i, values=v) for i, v in (sparse(t, True) for t in texts)]

    def embed_query(self, text: str) -> SparseVector:
        indices, values = sparse(text, False)
        return SparseVector(indices=indices, values=values)


def group_filter(key: str, group: int) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key=key, match=models.MatchValue(value=group))])


def hits(results) -> list[dict]:
    return [{"id": d.metadata["_id"], "text": d.page_content, "score": s} for d, s in results]


def names(vectors) -> list[str]:
    """A collection's vector names; Strata echoes the map `{"": params}` as the unnamed params object."""
    return sorted(vectors.keys()) if isinstance(vectors, dict) else [""]


def load(job: dict) -> dict:
    store = QdrantVectorStore.from_texts(
        job["texts"],
        HashEmbeddings(),
        metadatas=[{"group": g} for g in job["groups"]],
        ids=job["ids"],
        url=job["url"],
        collection_name=job["collection"],
        retrieval_mode=RetrievalMode.HYBRID,
        sparse_embedding=HashSparseEmbeddings(),
    )
    info = store.client.get_collection(job["collection"])
    return {
        "vectors": names(info.config.params.vectors),
        "sparse": sorted(info.config.params.sparse_vectors.keys()),
    }


def run(job: dict) -> dict:
    client = QdrantClient(url=job["url"])
    c = job["collection"]
    hybrid = QdrantVectorStore(
        client,
        c,
        embedding=HashEmbeddings(),
        retrieval_mode=RetrievalMode.HYBRID,
        sparse_embedding=HashSparseEmbeddings(),
    )
    sparse_only = QdrantVectorStore(
        client, c, retrieval_mode=RetrievalMode.SPARSE, sparse_embedding=HashSparseEmbeddings()
    )
    added = hybrid.add_documents(
        [Document(page_content=t, metadata={"group": g}) for t, g in zip(job["add"]["texts"], job["add"]["groups"])],
        ids=job["add"]["ids"],
    )
    k, q = job["k"], job["query"]
    out = {
        "added": added,
        "hybrid": hits(hybrid.similarity_search_with_score(q, k=k)),
        "filtered": hits(hybrid.similarity_search_with_score(q, k=k, filter=group_filter("metadata.group", 1))),
        "sparse": hits(sparse_only.similarity_search_with_score(q, k=k)),
        "plain": [d.metadata["_id"] for d in hybrid.similarity_search(q, k=k)],
    }
    out["deleted"] = hybrid.delete(ids=job["delete"])
    out["after_delete"] = hits(hybrid.similarity_search_with_score(q, k=k))
    return out


def llama(job: dict) -> dict:
    from llama_index.core.schema import TextNode
    from llama_index.core.vector_stores.types import (
        FilterOperator,
        MetadataFilter,
        MetadataFilters,
        VectorStoreQuery,
        VectorStoreQueryMode,
    )
    from llama_index.vector_stores.qdrant import QdrantVectorStore as LlamaStore

    def doc_fn(texts: list[str]) -> tuple[list[list[int]], list[list[float]]]:
        pairs = [sparse(t, True) for t in texts]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def query_fn(texts: list[str]) -> tuple[list[list[int]], list[list[float]]]:
        pairs = [sparse(t, False) for t in texts]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    store = LlamaStore(
        collection_name=job["collection"],
        client=QdrantClient(url=job["url"]),
        enable_hybrid=True,
        sparse_doc_fn=doc_fn,
        sparse_query_fn=query_fn,
        batch_size=16,
    )
    nodes = [
        # the metadata stays out of the text the sparse function sees (LlamaIndex embeds it by default)
        TextNode(id_=node_id, text=t, embedding=dense(t), metadata={"group": g}, excluded_embed_metadata_keys=["group"])
        for node_id, t, g in zip(job["node_ids"], job["texts"], job["groups"])
    ]
    store.add(nodes)
    k, q = job["k"], job["query"]

    def query(filters=None) -> list[dict]:
        r = store.query(
            VectorStoreQuery(
                query_str=q,
                query_embedding=dense(q),
                similarity_top_k=k,
                sparse_top_k=k,
                hybrid_top_k=k,
                mode=VectorStoreQueryMode.HYBRID,
                filters=filters,
            )
        )
        return [{"id": n.node_id, "score": s} for n, s in zip(r.nodes, r.similarities)]

    out = {
        "hybrid": query(),
        "filtered": query(MetadataFilters(filters=[MetadataFilter(key="group", value=1, operator=FilterOperator.EQ)])),
    }
    store.delete_nodes(node_ids=job["delete"])
    out["after_delete"] = query()
    info = store.client.get_collection(job["collection"])
    out["vectors"] = names(info.config.params.vectors)
    out["sparse"] = sorted(info.config.params.sparse_vectors.keys())
    return out


if __name__ == "__main__":
    job = json.load(sys.stdin)
    print(json.dumps({"load": load, "run": run, "llama": llama}[job["phase"]](job)))
