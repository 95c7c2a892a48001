"""moto_server for the integration tests (started by test/support/s3-servers.ts), with its writes made atomic.

moto 5.2.1 decides a conditional PutObject in two steps without a lock: it reads the key's ETag to check If-Match /
If-None-Match, then writes (moto/s3/responses.py, put_object). Its server is threaded, so two concurrent
compare-and-swaps on one ETag can both pass the check and both be acknowledged, and one update is lost. Real S3
decides a conditional write atomically, and the manifest's and the WAL's invariants rest on that, so a test racing
writers over moto would fail now and then for a reason that is not the product's. Here the mutating requests (PUT,
POST, DELETE) of one object run one at a time, under one of 64 locks chosen by the object's path (so writes to
different objects mostly still overlap, as on S3); reads are never held.

Second, its reads: moto keeps an object in a spooled temporary file (on disk past ~5 MB) and answers every GET,
ranged or not, by reading the WHOLE object and then slicing the range (moto/s3/models.py FakeKey.value, then
responses.py _handle_range_header). A ranged GET of 1 KiB from a 10 MB object cost ~11 ms of the server's CPU, so a
query that reads records in a few hundred parallel ranged GETs (as S3 serves them, each in time independent of the
object's size) was timed by moto's re-reads. Here a key's bytes are read once and kept (bytes are immutable; the
setter forgets them, so a PUT over the key is seen at once), and a ranged GET slices them.

Arguments are moto_server's own (-H host -p port).
"""

import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.models import FakeKey
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

_read_value = FakeKey.value.fget
_write_value = FakeKey.value.fset


def _kept_value(self):
    kept = self.__dict__.get("_kept_bytes")
    if kept is None:
        kept = _read_value(self)
        self.__dict__["_kept_bytes"] = kept
    return kept


def _set_value(self, new_value):
    self.__dict__.pop("_kept_bytes", None)
    _write_value(self, new_value)


FakeKey.value = property(_kept_value, _set_value)

if __name__ == "__main__":
    main(sys.argv[1:])
