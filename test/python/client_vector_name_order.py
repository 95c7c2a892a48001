"""The vector name "" and the order of vector names through the official Python client, over REST and over gRPC
(QdrantClient(prefer_grpc=True)), as Qdrant answers them.

Run by test/e2e/python-vector-name-order.test.ts from the `clients` venv (test/support/python-env.ts). Phase
"write" creates, over REST, a collection whose `vectors` is `{"": ...}` alone and one whose names are given out of
order (plus a name added later), and over gRPC a collection with one name to which "" is added by
create_vector_name; it writes points through both clients and reports bad calls. Phase "read" (run before and after
sealing) reads collection info, points and exact queries through both clients. What the server answered is printed
as one JSON object and compared in TypeScript; nothing is checked here.
"""

import json
import sys

import grpc
from qdrant_client import QdrantClient, models
from strata_clients import rest_and_grpc
from qdrant_client.http.exceptions import UnexpectedResponse


def refused(call) -> dict:
    try:
        call()
    except UnexpectedResponse as e:
        return {"status": e.status_code}
    except grpc.RpcError as e:
        return {"code": e.code().name, "details": e.details()}
    return {"status": 200}


def scored(points) -> list[dict]:
    return [{"id": p.id, "score": p.score} for p in points]


def vector_names(client: QdrantClient, name: str):
    vectors = client.get_collection(name).config.params.vectors
    return list(vectors.keys()) if isinstance(vectors, dict) else None


def write(rest: QdrantClient, over_grpc: QdrantClient, job: dict) -> dict:
    out: dict = {}
    dot = models.Distance.DOT
    only, ordered, g = job["only"], job["ordered"], job["grpc"]
    rest.create_collection(only, vectors_config={"": models.VectorParams(size=3, distance=dot)})
    rest.upsert(only, points=[models.PointStruct(id=p["id"], vector=p["vector"]) for p in job["only_points"]])

    names = job["names"]
    rest.create_collection(
        ordered,
        vectors_config={n: models.VectorParams(size=2, distance=dot) for n in names},
        sparse_vectors_config={"sz": models.SparseVectorParams(), "sa": models.SparseVectorParams()},
    )
    rest.upsert(
        ordered,
        points=[
            models.PointStruct(
                id=k,
                vector={
                    **{n: [float(k), 1.0] for n in names},
                    "sz": models.SparseVector(indices=[1], values=[1.0]),
                    "sa": models.SparseVector(indices=[2], values=[1.0]),
                },
            )
            for k in range(5)
        ],
    )
    later = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=2, distance=dot))
    rest.create_vector_name(ordered, "c", later)

    over_grpc.create_collection(g, vectors_config={"x": models.VectorParams(size=2, distance=dot)})
    empty = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=3, distance=dot))
    out["created"] = str(over_grpc.create_vector_name(g, "", empty).status)
    over_grpc.upsert(
        g,
        points=[models.PointStruct(id=p["id"], vector=p["vector"]) for p in job["grpc_points"]],
    )
    wider = models.DenseVectorNameConfig(dense=models.DenseVectorConfig(size=4, distance=dot))
    out["bad"] = {
        "grpc_other_schema": refused(lambda: over_grpc.create_vector_name(g, "", wider)),
        "rest_empty_path": refused(lambda: rest.create_vector_name(g, "", empty)),
        "grpc_wrong_dim": refused(
            lambda: over_grpc.upsert(g, points=[models.PointStruct(id=999, vector={"": [1.0, 2.0]})])
        ),
    }
    return out


def read(rest: QdrantClient, over_grpc: QdrantClient, job: dict) -> dict:
    out: dict = {}
    only, ordered, g = job["only"], job["ordered"], job["grpc"]
    exact = models.SearchParams(exact=True)
    q = job["query"]
    # `{"": ...}` alone: the vectors map as each door answers it, points as lists, "" queried with and without `using`
    out["only_info"] = {
        "rest": {k: [v.size, str(v.distance)] for k, v in rest.get_collection(only).config.params.vectors.items()},
        "grpc": vector_names(over_grpc, only),
    }
    page, _ = rest.scroll(only, limit=100, with_vectors=True)
    out["only_points"] = {str(p.id): p.vector for p in page}
    got, _ = over_grpc.scroll(only, limit=100, with_vectors=True)
    out["only_points_grpc"] = {str(p.id): p.vector for p in got}
    out["only_unnamed"] = scored(rest.query_points(only, query=q, limit=5, search_params=exact).points)
    out["only_by_empty"] = scored(rest.query_points(only, query=q, using="", limit=5, search_params=exact).points)

    # names in Qdrant's order, whatever order they were given or stored in
    out["ordered_info"] = {"rest": vector_names(rest, ordered), "grpc": vector_names(over_grpc, ordered)}
    out["ordered_sparse"] = list(rest.get_collection(ordered).config.params.sparse_vectors.keys())
    rp = rest.retrieve(ordered, ids=[1], with_vectors=True)[0]
    gp = over_grpc.retrieve(ordered, ids=[1], with_vectors=True)[0]
    out["ordered_point"] = {"rest": list(rp.vector.keys()), "grpc": list(gp.vector.keys())}

    # "" over gRPC: info, every point, queries with `using=""`, a selector naming ""
    out["grpc_info"] = vector_names(over_grpc, g)
    got, _ = over_grpc.scroll(g, limit=100, with_vectors=True)
    out["grpc_points"] = {str(p.id): p.vector for p in got}
    out["grpc_by_empty"] = scored(over_grpc.query_points(g, query=q, using="", limit=5, search_params=exact).points)
    sel = over_grpc.retrieve(g, ids=job["selected"], with_vectors=[""])
    out["grpc_selected"] = {str(p.id): p.vector for p in sel}
    return out


def main() -> None:
    job = json.load(sys.stdin)
    rest, over_grpc = rest_and_grpc(job)
    out = write(rest, over_grpc, job) if job["phase"] == "write" else {}
    out.update(read(rest, over_grpc, job))
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
