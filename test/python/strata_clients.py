"""The two official Python clients a test program drives against one served store: REST (`url`) and gRPC
(`prefer_grpc=True`, REST's port for anything the client sends over HTTP). Imported by the client_*.py programs,
which run with their own directory on sys.path."""

from qdrant_client import QdrantClient


def rest_and_grpc(job: dict) -> tuple[QdrantClient, QdrantClient]:
    rest = QdrantClient(url=job["url"], check_compatibility=False)
    over_grpc = QdrantClient(
        host="127.0.0.1",
        port=job["port"],
        grpc_port=job["grpc_port"],
        prefer_grpc=True,
        https=False,
        check_compatibility=False,
    )
    return rest, over_grpc
