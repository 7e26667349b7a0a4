"""moto_server, with one emulator cost taken out: moto's TransactWriteItems deep-copies every
table a transaction touches, to roll back if it fails. With the thousands of progress items a
wide backup keeps, each copy step's transactions copied the whole table per segment
recorded, concurrently: minutes of CPU and, once, 21 GB of memory before the OOM killer
took moto. Here the rollback keeps only the items the transaction names, and puts exactly
those back: the same outcome, at the cost of the items instead of the tables.

Another: moto's ListObjectVersions deep-copies every version in the bucket (to mark each copy
latest or not), and a deep copy of an object reads its whole body and writes it to a new
buffer, spilled to disk past 5 MB. A backup vault of a few hundred MB of segments then took
about 0.9 s per listing, whatever the prefix (S3 lists in time proportional to the keys): a
1,000,000-record backup's prune spent 2.7 s listing. Here the listing's copies share their
object's body; only their "latest" mark is their own.

And one fix: moto's request recorder (which the cost model reads) appends each request to its
file from whichever server thread handled it, so concurrent requests interleaved their lines
and corrupted the recording; here one request is written at a time."""
import copy
import sys
import threading

import moto.dynamodb.models as dynamodb
import moto.s3.models as s3
from moto.moto_api._internal.recorder.models import Recorder
from moto.server import main


class _TablesByReference:
    """`copy` as moto's DynamoDB backend sees it: tables are kept by reference (this wrapper
    snapshots their items), everything else is copied as before."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, dynamodb.Table) else copy.deepcopy(value, memo)


dynamodb.copy = _TablesByReference
_transact_write_items = dynamodb.DynamoDBBackend.transact_write_items


def _key(backend, op_type, op):
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: op["Item"][name] for name in names}


def transact_write_items(self, transact_items):
    before = []
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        if op_type in ("Put", "Update", "Delete") and op.get("TableName") in self.tables:
            key = _key(self, op_type, op)
            current = self.get_item(op["TableName"], key)
            before.append((op["TableName"], key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table_name, key, attributes in reversed(before):
            if attributes is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, attributes)
        raise


dynamodb.DynamoDBBackend.transact_write_items = transact_write_items


_dispose = s3.FakeKey.dispose


def dispose(self, garbage=False):
    # A version as a listing returns it shares its object's body: it never closes it.
    if not self.__dict__.get("_listed"):
        _dispose(self, garbage)


s3.FakeKey.dispose = dispose


class _VersionsSharingBodies:
    """`copy` as moto's S3 backend sees it (its one deep copy is the version listing's):
    versions and delete markers are copied without their bodies, the rest as before."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value, memo=None):
        # The listing copies each key's list of versions.
        if isinstance(value, list) and all(isinstance(v, (s3.FakeKey, s3.FakeDeleteMarker)) for v in value):
            return [_VersionsSharingBodies._listed(v) for v in value]
        return copy.deepcopy(value, memo)

    @staticmethod
    def _listed(version):
        listed = object.__new__(type(version))
        listed.__dict__.update(version.__dict__, _listed=True)
        return listed


s3.copy = _VersionsSharingBodies

_recording = threading.Lock()
_record_request = Recorder._record_request


def record_request(self, request, body=None):
    with _recording:
        return _record_request(self, request, body)


Recorder._record_request = record_request

if __name__ == "__main__":
    sys.exit(main())
