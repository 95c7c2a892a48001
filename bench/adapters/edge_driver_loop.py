"""What the Qdrant-engine bench drivers share (qdrant-edge-driver.py, qdrant-edge-multivector-driver.py): their line
protocol (one JSON command per stdin line, one JSON reply per stdout line, {"error": ...} when a command raised) and
the timed pass of queries. The drivers import it from their own folder (Python puts a script's folder on sys.path).
"""

import json
import sys
import time


def timed_pass(query, requests, nq):
    """Runs requests[0:nq] one at a time; replies wall and CPU seconds and each query's ids."""
    found = [None] * nq
    c = time.process_time()
    t = time.perf_counter()
    for q in range(nq):
        found[q] = query(requests[q])
    seconds = time.perf_counter() - t
    cpu = time.process_time() - c
    return {"seconds": seconds, "cpuSeconds": cpu, "ids": [[p.id for p in hits] for hits in found]}


def serve(commands, shards):
    """Answers commands until stdin closes, then closes every shard."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
            reply = commands[msg["cmd"]](msg)
        except Exception as e:  # the bench shows the message and stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    for shard in shards.values():
        shard.close()
