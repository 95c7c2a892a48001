"""moto_server for the integration tests (started by test/support/s3-servers.ts), with its writes made atomic.

moto 5.2.1 decides a conditional PutObject in two steps without a lock: it reads the key's ETag to check If-Match /
If-None-Match, then writes (moto/s3/responses.py, put_object). Its server is threaded, so two concurrent
compare-and-swaps on one ETag can both pass the check and both be acknowledged, and one update is lost. Real S3
decides a conditional write atomically, and the manifest's and the WAL's invariants rest on that, so a test racing
writers over moto would fail now and then for a reason that is not the product's. Here the mutating requests (PUT,
POST, DELETE) of one object run one at a time, under one of 64 locks chosen by the object's path (so writes to
different objects mostly still overlap, as on S3); reads are never held.

Arguments are moto_server's own (-H host -p port).
"""

import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.server import main

WRITES = frozenset(("PUT", "POST", "DELETE"))
_locks = [threading.Lock() for _ in range(64)]
_dispatch = DomainDispatcherApplication.__call__


def _serialized(self, environ, start_response):
    if environ.get("REQUEST_METHOD") not in WRITES:
        return _dispatch(self, environ, start_response)
    lock = _locks[hash((environ.get("HTTP_HOST"), environ.get("PATH_INFO"))) % len(_locks)]
    with lock:
        # the whole body is produced under the lock, so a check and its write finish before the next write starts
        return list(_dispatch(self, environ, start_response))


DomainDispatcherApplication.__call__ = _serialized

if __name__ == "__main__":
    main(sys.argv[1:])
