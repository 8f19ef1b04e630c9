"""Batch issuance in chunks: what ``Decisions.issue_batch`` runs.

A row-by-row batch spends most of its time in per-row transactions and their checkpoint
publications, not in signing. Here rows go in chunks: one short transaction reserves a
chunk's status indices and numbers, the chunk is signed outside any transaction, and one
transaction stores it with its audit entries (one checkpoint per chunk). A crash keeps
whole chunks; a re-run skips every row already issued under its batch key, and a killed
run loses at most the reservations of the two chunks it had not stored (never reused).

With ``workers`` > 1 the signing runs in that many forked processes while this process
stores the chunk before: reserve chunk k, hand it to the workers, store chunk k-1, collect
k. The workers get the reserved awards (qualifications by id: they have the desk's
copies), sign with the keys they inherited, and return the signed credentials; they
never touch the store. Without ``fork`` (Windows) the chunks are signed here.

Row semantics are the row-by-row ones (``tests/integration/test_scheme_rules.py``): a row
whose scheme requires another certificate waits until every row before it is stored, a
row repeating a key is answered with the first one's credential, and when a chunk's
transaction fails its rows are issued one by one, so each gets its own answer.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..batch import BatchRow
from ..csvrows import RowError
from ..errors import CredentialError, VcissueError
from ..governance.principals import Principal
from ..model import Qualification
from .core import BatchReport, IssuedCredential, IssuerCore, Prepared

if TYPE_CHECKING:
    from .decisions import DecisionOutcome, Decisions

__all__ = ["BATCH_CHUNK", "issue_batch"]

BATCH_CHUNK = 256  # rows per reservation and per storing transaction

Result = IssuedCredential | RowError


def issue_batch(
    desk: Decisions,
    rows: Iterable[BatchRow | RowError],
    *,
    by: Principal,
    progress: Callable[[int, BatchRow | RowError], None] | None = None,
    chunk: int = BATCH_CHUNK,
    workers: int = 1,
) -> BatchReport:
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise CredentialError("chunk must be a positive number of rows")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise CredentialError("workers must be a positive number of processes")
    report = BatchReport()
    done = 0

    def emit(started: _Chunk) -> None:
        nonlocal done
        for row, result in zip(started.rows, _finish(desk, started, by), strict=True):
            done += 1
            if isinstance(result, RowError):
                report.errors.append(result)
            elif isinstance(row, BatchRow):
                (report.issued if result.created else report.already_issued).append(
                    (row.line, result.record.id)
                )
            if progress is not None:
                progress(done, row)

    with _signing_pool(desk, workers) as pool:
        waiting: list[BatchRow | RowError] = []
        keys: set[str] = set()
        stored_next: _Chunk | None = None  # reserved and signing; stored on the next flush

        def flush(*, drain: bool = False) -> None:
            nonlocal stored_next
            started = _begin(desk, list(waiting), by, pool) if waiting else None
            waiting.clear()
            keys.clear()
            if stored_next is not None:
                emit(stored_next)
            stored_next = started
            if drain and stored_next is not None:
                emit(stored_next)
                stored_next = None

        for row in rows:
            needs_others = isinstance(row, BatchRow) and bool(row.award.qualification.requires)
            if needs_others:
                flush(drain=True)  # its prerequisite may be a row before it
            elif isinstance(row, BatchRow) and row.batch_key in keys:
                flush()
            waiting.append(row)
            if isinstance(row, BatchRow):
                keys.add(row.batch_key)
            if needs_others or len(waiting) >= chunk:
                flush(drain=needs_others)
        flush(drain=True)
    return report


@dataclass
class _Chunk:
    rows: list[BatchRow | RowError]
    results: list[Result | None]
    fresh: list[tuple[int, BatchRow, dict[str, Any]]] = field(default_factory=list)
    signing: list[Future[list[str]]] = field(default_factory=list)
    reserved: list[Prepared] = field(default_factory=list)
    spoiled: bool = False  # a row failed before the store: issue them one by one


def _begin(
    desk: Decisions, rows: list[BatchRow | RowError], by: Principal, pool: _Pool | None
) -> _Chunk:
    """Check the rows, skip those issued before, reserve the rest and start signing."""
    chunk = _Chunk(rows, [None] * len(rows))
    todo: list[tuple[int, BatchRow, dict[str, Any]]] = []
    for i, row in enumerate(rows):
        if isinstance(row, RowError):
            chunk.results[i] = row
            continue
        try:
            todo.append((i, row, desk._award_at_once(row.award, by, row.batch_key, ())))
        except VcissueError as error:
            chunk.results[i] = RowError(row.line, str(error))
    before = desk.store.read(lambda tx: [tx.get_by_batch_key(r.batch_key) for _, r, _ in todo])
    for (i, row, params), existing in zip(todo, before, strict=True):
        if existing is None:
            chunk.fresh.append((i, row, params))
        else:
            chunk.results[i] = IssuedCredential(existing, created=False)
    if not chunk.fresh:
        return chunk
    try:
        reserved = desk._reserve_all([(row.award, None) for _, row, _ in chunk.fresh])
        if pool is None:
            chunk.reserved = [desk._sign_reserved(one) for one in reserved]
        else:
            chunk.reserved = reserved
            chunk.signing = pool.sign(reserved)
    except VcissueError:
        chunk.spoiled = True
    return chunk


def _finish(desk: Decisions, chunk: _Chunk, by: Principal) -> list[Result]:
    """Store the chunk's signed rows in one transaction (or, when that fails, one by one)."""
    if chunk.fresh and not chunk.spoiled:
        try:
            prepared = chunk.reserved
            if chunk.signing:
                signed = [one for future in chunk.signing for one in future.result()]
                prepared = [
                    replace(one, signed_json=text)
                    for one, text in zip(prepared, signed, strict=True)
                ]
            stores = [
                desk._decision(
                    "award",
                    None,
                    by,
                    "award",
                    params,
                    row.award.qualification.id,
                    batch_key=row.batch_key,
                    prepared=ready,
                )
                for (_, row, params), ready in zip(chunk.fresh, prepared, strict=True)
            ]
            outcomes: list[DecisionOutcome] = desk._change(
                lambda work: [store(work) for store in stores]
            )
        except VcissueError:
            chunk.spoiled = True
        else:
            for (i, _, _), outcome in zip(chunk.fresh, outcomes, strict=True):
                chunk.results[i] = outcome.result
    if chunk.spoiled:
        # Nothing of the chunk was stored: each row on its own, so each gets its own
        # answer; the chunk's reservations stay unused, never reused.
        for i, row, _ in chunk.fresh:
            try:
                chunk.results[i] = desk.issue(row.award, by=by, batch_key=row.batch_key)
            except VcissueError as error:
                chunk.results[i] = RowError(row.line, str(error))
    results = [result for result in chunk.results if result is not None]
    assert len(results) == len(chunk.rows)
    return results


# --- signing in forked workers -----------------------------------------------------------

_DESK: IssuerCore | None = None  # a worker's copy of the desk, inherited through fork
_ONE_POOL = threading.Lock()


class _Pool:
    def __init__(self, executor: ProcessPoolExecutor, workers: int) -> None:
        self.executor = executor
        self.workers = workers

    def sign(self, reserved: Sequence[Prepared]) -> list[Future[list[str]]]:
        """Futures of the signed credentials, in order, in up to ``workers`` slices."""
        size = -(-len(reserved) // self.workers)
        return [
            self.executor.submit(_sign_slice, _dumps(reserved[start : start + size]))
            for start in range(0, len(reserved), size)
        ]


@contextmanager
def _signing_pool(desk: IssuerCore, workers: int) -> Iterator[_Pool | None]:
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    global _DESK
    with _ONE_POOL:  # _DESK is one per process: a second pooled batch waits for this one
        _DESK = desk  # set before the workers fork (on the first submit), read only by them
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_follow_parent, initargs=(os.getpid(),)
            ) as executor:
                yield _Pool(executor, workers)
        finally:
            _DESK = None


def _follow_parent(parent: int) -> None:
    """In a worker: exit when the batch process dies. Forked workers hold the task pipe's
    write end too, so a killed parent never gives them end-of-file; they would wait for
    work for ever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="vcissue-batch-parent", daemon=True).start()


def _sign_slice(blob: bytes) -> list[str]:
    """In a worker: sign reserved awards with the desk it inherited."""
    desk = _DESK
    if desk is None:
        raise RuntimeError("a batch signing worker has no desk (it must be forked)")
    reserved: list[Prepared] = _Loader(io.BytesIO(blob), desk.qualifications).load()
    return [desk._sign_reserved(one).signed_json for one in reserved]


# Awards carry their whole qualification tree (tens of kB pickled); workers have the
# desk's qualifications, so only the id crosses the pipe.


def _dumps(reserved: Sequence[Prepared]) -> bytes:
    out = io.BytesIO()
    _Dumper(out, protocol=pickle.HIGHEST_PROTOCOL).dump(list(reserved))
    return out.getvalue()


class _Dumper(pickle.Pickler):
    def persistent_id(self, obj: Any) -> Any:
        return obj.id if isinstance(obj, Qualification) else None


class _Loader(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, qualifications: dict[str, Qualification]) -> None:
        super().__init__(file)
        self.qualifications = qualifications

    def persistent_load(self, pid: Any) -> Any:
        return self.qualifications[pid]
