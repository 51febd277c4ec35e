"""Start moto's server, fixing getmoto/moto#10077 in memory on older moto.

Usage: python3 launcher.py --host 127.0.0.1 --port 5000

Exits with status 3 if moto (with its server extras) is not importable, so
the caller can tell "not installed" apart from a crash.
"""

import argparse
import importlib.abc
import os
import re
import sys

# moto reads this at import time; without it S3 answers every preflight
# itself and bucket CORS rules are never applied.
os.environ.setdefault("MOTO_DISABLE_GLOBAL_CORS", "true")

EXIT_MOTO_MISSING = 3
FIXED_IN = (5, 2, 3)


def _version_tuple(version):
    parts = []
    for piece in version.split(".")[:3]:
        m = re.match(r"\d+", piece)
        parts.append(int(m.group()) if m else 0)
    return tuple(parts + [0] * (3 - len(parts)))


def _patch_10077(parser_models):
    """Stop StartExecution from deep-copying live executions.

    StepFunctionsParserBackend.start_execution snapshots the state machine
    with copy.deepcopy. The copy follows state_machine.executions (running
    workers hold an RLock) and state_machine.backend (every other state
    machine and its executions), so any StartExecution after the first in an
    account/region raises "cannot pickle '_thread.RLock' object". The
    snapshot only needs the definition, so we swap the module's `copy` for a
    shim whose deepcopy shares the backend and gives the clone empty
    execution lists. Nothing else in moto is touched.
    """
    import copy

    from moto.stepfunctions.models import StateMachineInstance

    if getattr(parser_models, "copy", None) is not copy:
        print(
            "moto launcher: moto.stepfunctions.parser.models has changed; "
            "getmoto/moto#10077 NOT patched",
            file=sys.stderr,
            flush=True,
        )
        return

    def snapshot_deepcopy(x, memo=None):
        memo = {} if memo is None else memo
        if isinstance(x, StateMachineInstance):
            # A version points back at its source machine, which holds the backend.
            for sm in (x, getattr(x, "source", None)):
                if sm is None:
                    continue
                backend = getattr(sm, "backend", None)
                if backend is not None:
                    memo[id(backend)] = backend
                for inst in (sm, *getattr(sm, "versions", {}).values()):
                    memo[id(inst.executions)] = []
        return copy.deepcopy(x, memo)

    class _CopyShim:
        deepcopy = staticmethod(snapshot_deepcopy)

        def __getattr__(self, name):
            return getattr(copy, name)

    parser_models.copy = _CopyShim()


def _skip_unstarted_executions(parser_models):
    """Keep SendTaskSuccess/Failure/Heartbeat from failing with a 500.

    They walk every RUNNING execution and read execution.exec_worker, which is
    None while another StartExecution is still setting that execution up, so a
    task answer that races a start raises AttributeError. An execution that has
    not started has no tasks to answer; leave it out of that walk.
    """
    backend = parser_models.StepFunctionsParserBackend
    get_executions = backend._get_executions

    # Every caller of _get_executions in this module reads exec_worker.env.
    def started(self, execution_status=None):
        executions = get_executions(self, execution_status)
        return [e for e in executions if getattr(e, "exec_worker", None) is not None]

    backend._get_executions = started


def _serialize_dynamodb(responses):
    """Run DynamoDB requests one at a time.

    moto's server is threaded and its DynamoDB backend takes no locks, so two
    concurrent conditional writes or transactions can both pass their
    conditions before either applies. Real DynamoDB serializes them, and the
    platform's invariants (one decision per approval, a last admin that
    cannot be removed) rest on that, so the emulator must too.
    """
    import threading

    lock = threading.Lock()
    handler = responses.DynamoHandler
    call_action = handler.call_action

    def serialized(self):
        with lock:
            return call_action(self)

    handler.call_action = serialized


def _journal_transactions(models):
    """Make TransactWriteItems cost what it touches, not the table's size.

    moto backs up every table a transaction names with copy.deepcopy, once per
    item of the transaction, so a three-item transaction on a table of 12,000
    items copies 36,000 items (seconds, and gigabytes for a short-lived dev
    stack). Here the backup is a journal: the items the transaction names,
    copied before it runs and put back if it fails. DynamoDB requests are
    serialized (see _serialize_dynamodb), so nothing else changes the table
    meanwhile, and moto's own rollback becomes a no-op on the live table.
    """
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    if getattr(models, "copy", None) is not copy:
        print(
            "moto launcher: moto.dynamodb.models has changed; "
            "TransactWriteItems still copies whole tables",
            file=sys.stderr,
            flush=True,
        )
        return

    class _CopyShim:
        @staticmethod
        def deepcopy(x, memo=None):
            if isinstance(x, Table):
                return x  # the journal below restores what the transaction changed
            return copy.deepcopy(x, memo)

        def __getattr__(self, name):
            return getattr(copy, name)

    models.copy = _CopyShim()
    backend = models.DynamoDBBackend
    transact = backend.transact_write_items

    def key_of(table, op):
        attrs = op.get("Key") or op.get("Item") or {}
        hash_value = DynamoType(attrs[table.hash_key_attr])
        if table.range_key_attr is None:
            return hash_value, None
        return hash_value, DynamoType(attrs[table.range_key_attr])

    def journaled(self, transact_items):
        journal = []
        for entry in transact_items:
            try:
                _, op = next(iter(entry.items()))
                table = self.tables.get(op.get("TableName"))
                if table is None:
                    continue
                hash_value, range_value = key_of(table, op)
                before = table.get_item(hash_value, range_value)
            except Exception:  # noqa: BLE001 malformed: moto's own checks report it
                continue
            journal.append((table, hash_value, range_value, copy.deepcopy(before)))
        try:
            return transact(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(journal):
                if range_value is None:
                    if before is None:
                        table.items.pop(hash_value, None)
                    else:
                        table.items[hash_value] = before
                elif before is None:
                    table.items.get(hash_value, {}).pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = before
            raise

    backend.transact_write_items = journaled


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs hook(module) right after the named module is first executed.

    Importing moto's Step Functions parser costs about a second, so rather
    than import it up front we patch it whenever moto first loads it.
    """

    def __init__(self, name, hook):
        self.name = name
        self.hook = hook

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _HookLoader(spec.loader, self.hook)
                return spec
        return None


class _HookLoader(importlib.abc.Loader):
    def __init__(self, loader, hook):
        self._loader = loader
        self._hook = hook

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        self._hook(module)

    def __getattr__(self, name):
        # get_source, get_resource_reader, ... for tracebacks and resources.
        return getattr(self._loader, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()

    try:
        import moto
        import moto.server
    except ImportError as err:
        print(f"moto launcher: cannot import moto server: {err}", file=sys.stderr)
        sys.exit(EXIT_MOTO_MISSING)

    fixes = [_skip_unstarted_executions]
    if _version_tuple(moto.__version__) < FIXED_IN:
        fixes.insert(0, _patch_10077)
        print(
            "moto launcher: patched getmoto/moto#10077 in memory "
            f"(moto {moto.__version__} < {'.'.join(map(str, FIXED_IN))})",
            file=sys.stderr,
            flush=True,
        )
    print("moto launcher: SendTask* skip executions that are still starting", file=sys.stderr, flush=True)

    def fix_stepfunctions(module):
        for fix in fixes:
            fix(module)

    def patch(name, hook):
        if name in sys.modules:
            hook(sys.modules[name])
        else:
            sys.meta_path.insert(0, _PatchOnImport(name, hook))

    patch("moto.stepfunctions.parser.models", fix_stepfunctions)
    patch("moto.dynamodb.responses", _serialize_dynamodb)
    print("moto launcher: DynamoDB requests serialized, as DynamoDB's conditional writes are",
          file=sys.stderr, flush=True)
    patch("moto.dynamodb.models", _journal_transactions)
    print("moto launcher: TransactWriteItems journals the items it touches instead of copying tables",
          file=sys.stderr, flush=True)

    # moto.server.main installs SIGINT/SIGTERM handlers that exit with status 0.
    moto.server.main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
