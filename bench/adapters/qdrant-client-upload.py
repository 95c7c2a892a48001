"""Times the official Python client's bulk upload (qdrant-client `upload_collection`) against a served Strata, for
bench/server.ts's ingestion rows.

Reads {"url", "collection", "vectors": <path of raw little-endian float32 rows>, "dim", "n", "batch", "parallel"} on
stdin; uploads rows 0..n-1 with ids 0..n-1 in batches of `batch` (wait=True: each batch is acknowledged only once its
WAL record is durable) from `parallel` client processes, and prints {"seconds": <upload wall time>} as JSON.
Interpreter start-up and reading the file are outside the timed span.
"""

import json
import sys
import time

import numpy as np
from qdrant_client import QdrantClient


def main() -> None:
    job = json.load(sys.stdin)
    rows = np.fromfile(job["vectors"], dtype="<f4").reshape(-1, job["dim"])[: job["n"]]
    client = QdrantClient(url=job["url"], timeout=300, check_compatibility=False)
    t = time.perf_counter()
    client.upload_collection(
        collection_name=job["collection"],
        vectors=rows,
        ids=range(len(rows)),
        batch_size=job["batch"],
        parallel=job["parallel"],
        wait=True,
    )
    print(json.dumps({"seconds": time.perf_counter() - t}))


if __name__ == "__main__":
    main()
