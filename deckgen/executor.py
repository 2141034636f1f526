"""Map a per-slide function over tasks: serially, on a local process pool, or on Dask.

Stage code never knows which executor runs it. Workers only compute and return
results; the parent receives each finished task (moves the progress bar, writes
the cache and the manifest), so a crash loses only what was in flight.

A task that raises comes back as a ``TaskFailure`` value instead of an
exception, so one bad slide never stops the map; nor does one that kills its
worker process (``ProcessExecutor``).

On Dask, workers are other machines, set up by someone else: before its first slide,
each worker process runs the build's ``preflight`` check (same deckgen and stage
versions, Tesseract, the corpus) once, and a worker that fails it stops the build
instead of failing every slide it takes, or caching other versions' results.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from deckgen.errors import (
    ConfigError,
    DeckgenError,
    MissingDependencyError,
    RemoteServiceError,
)

EXECUTORS = ("serial", "processes", "dask")
CONNECT_SECONDS = 15  # to reach a Dask scheduler
WORKER_WAIT_SECONDS = 60  # for a first worker to join, or a new one once all are gone
# A slide in flight when a worker died is retried alone; dying again, it fails by itself.
MAX_WORKER_DEATHS = 2
WORKER_DIED = "the worker process died on this slide (killed or crashed)"
WORKER_SETUP = "WorkerSetup"  # a TaskFailure kind: the worker, not the slide, is unfit
WORKER_FIX = ("fix that worker (every worker needs this deckgen, Tesseract with the languages, "
              "and the corpus at the same absolute path) or stop it, then build again; "
              "finished slides are cached")

# A worker's fitness for this build: called with no argument, it says what is wrong (None:
# nothing). Hashable by value (a frozen dataclass): each worker process passes it once.
Preflight = Callable[[], str | None]
Warn = Callable[[str], None]


@dataclass
class TaskFailure:
    error_type: str
    message: str
    worker: str = ""  # WORKER_SETUP: the Dask worker's address


def limit_worker_threads() -> None:
    """One thread per worker for Tesseract and OpenCV, so N workers use N cores."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    import cv2

    cv2.setNumThreads(1)


def _init_pool_worker(parent: int) -> None:
    # Ctrl-C reaches every process of the terminal's group. Only the parent acts on it
    # (reports, stops the workers, exits 130); a worker that exited on its own would
    # break the pool first, and the parent would see a crash instead of the interrupt.
    # A no-op handler, not SIG_IGN: exec resets it, so a running tesseract still stops.
    signal.signal(signal.SIGINT, lambda *_: None)
    limit_worker_threads()
    threading.Thread(target=_exit_when_gone, args=(parent,), daemon=True).start()


def _exit_when_gone(parent: int) -> None:
    """A parent killed with SIGKILL cannot stop its workers; they notice and go, instead
    of idling for ever, blocked on a pipe nobody reads."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)


# the preflights this worker process passed: each runs once, until it passes (a worker
# fixed without a restart, Tesseract installed or the corpus mounted, passes next build)
_passed_preflights: set[Preflight] = set()


def _setup_problem(preflight: Preflight) -> str | None:
    if preflight in _passed_preflights:
        return None
    try:
        problem = preflight()
    except Exception as exc:  # a check that cannot run says so, never fails each slide
        return f"its check failed: {type(exc).__name__}: {exc}"
    if problem is None:
        _passed_preflights.add(preflight)
    return problem


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not in a Dask worker
        return "(not a Dask worker)"


def _guarded(fn: Callable[[Any], Any], task: Any, preflight: Preflight | None = None) -> Any:
    if preflight is not None and (problem := _setup_problem(preflight)):
        return TaskFailure(WORKER_SETUP, problem, worker=_worker_address())
    try:
        return fn(task)
    except DeckgenError as exc:
        return TaskFailure(type(exc).__name__, str(exc))
    except Exception as exc:  # a worker must report, never die, on one bad slide
        return TaskFailure(type(exc).__name__, f"{type(exc).__name__}: {exc}")


class SerialExecutor:
    name = "serial"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            preflight: Preflight | None = None, warn: Warn | None = None,
            ) -> Iterator[tuple[int, Any]]:
        # preflight, warn: for Dask; this host is the parent's, which checked it itself
        for i, task in enumerate(tasks):
            yield i, _guarded(fn, task)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """A local process pool. A worker that dies (OOM kill, a segfault in a native library)
    breaks the whole pool: it is started again, the slides in flight are retried, each
    alone, and a slide that kills its worker when alone fails by itself."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._finished = True  # False while a map is running or was abandoned (Ctrl-C, error)

    def _started_pool(self, fn: Callable[[Any], Any]) -> ProcessPoolExecutor:
        if self._pool is None:
            # Not fork: a fork of a parent whose OpenCV thread pool has run deadlocks in the
            # child's first cv2 call. A fork server starts clean, with the stage code imported.
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver" and fn.__module__ != "__main__":
                context.set_forkserver_preload([fn.__module__])
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_init_pool_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _drop_broken_pool(self) -> None:
        if self._pool is not None:  # its workers were already terminated by the pool itself
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            preflight: Preflight | None = None, warn: Warn | None = None,
            ) -> Iterator[tuple[int, Any]]:
        # preflight, warn: for Dask; this host is the parent's, which checked it itself
        if not tasks:
            return
        self._finished = False
        # Keep a bounded window in flight: an interrupt loses at most ~2x workers tasks.
        window = self.workers * 2
        queue = deque(range(len(tasks)))
        # in flight when a worker died: retried one at a time, so the next death is theirs
        suspects: deque[int] = deque()
        deaths: dict[int, int] = {}  # task -> worker deaths while it was in flight
        pending: dict[Future, int] = {}
        breaks_in_a_row = 0  # pool breaks with no task finished in between
        while queue or suspects or pending:
            pool = self._started_pool(fn)
            broken = False
            try:
                if suspects:
                    if not pending:
                        pending[pool.submit(_guarded, fn, tasks[suspects[0]])] = suspects[0]
                        suspects.popleft()
                else:
                    while queue and len(pending) < window:
                        pending[pool.submit(_guarded, fn, tasks[queue[0]])] = queue[0]
                        queue.popleft()
            except BrokenProcessPool:  # a worker died since the last wait
                broken = True
            done = wait(pending, return_when=FIRST_COMPLETED).done if pending else set()
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                wait(pending)  # the pool fails every other task it held at once
                done = set(pending)
            lost: list[int] = []
            for fut in sorted(done, key=pending.__getitem__):
                index = pending.pop(fut)
                error = fut.exception()
                if isinstance(error, BrokenProcessPool):
                    lost.append(index)
                    continue
                breaks_in_a_row = 0
                if error is not None:  # e.g. a result that cannot be pickled back
                    yield index, TaskFailure(type(error).__name__, f"worker failed: {error}")
                else:
                    yield index, fut.result()
            if lost or broken:
                self._drop_broken_pool()
            if not lost:
                continue
            breaks_in_a_row += 1
            if breaks_in_a_row > window + 2:
                raise MissingDependencyError(
                    f"worker processes died {breaks_in_a_row} times in a row without finishing "
                    "a slide: not one bad slide but the setup (memory, the OpenCV or Tesseract "
                    "install); see the error with --executor serial, or try fewer --workers"
                )
            for index in lost:
                deaths[index] = deaths.get(index, 0) + 1
                if deaths[index] >= MAX_WORKER_DEATHS:  # the second time, it ran alone
                    yield index, TaskFailure("WorkerCrashed", WORKER_DIED)
                else:
                    suspects.append(index)
        self._finished = True

    def close(self) -> None:
        if self._pool is None:
            return
        if not self._finished:
            # The map was abandoned (Ctrl-C, an error in the parent): stop the workers now
            # instead of waiting for the slides they hold; nothing of theirs is kept anyway.
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None


def _thread_limit_plugin():
    from distributed.diagnostics.plugin import WorkerPlugin

    class LimitWorkerThreads(WorkerPlugin):
        def setup(self, worker) -> None:
            limit_worker_threads()

    return LimitWorkerThreads()


def _quiet_distributed_logs() -> dict[str, int]:
    """Silence this process's Dask loggers; their levels before. A lost scheduler made the
    client log a reconnect notice ("after 15.00 seconds", said at once) and ~30 lines of
    closed-connection tracebacks before the build's own line (RemoteServiceError), and
    deckgen reports lost workers itself. Dask's configured loggers carry their own levels,
    so each is set; one made later inherits from "distributed"."""
    names = ["distributed", *(name for name in logging.root.manager.loggerDict
                              if name.startswith("distributed."))]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return levels


class DaskExecutor:
    """Dask distributed: an existing scheduler, or a LocalCluster of ``workers`` processes."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise MissingDependencyError(
                "the dask executor needs 'distributed': pip install -e '.[dask]' in this checkout"
            ) from exc
        self._cluster = None
        self._scheduler = scheduler or "the local cluster"
        self._workers_seen: set[str] = set()
        # workers that left while this build ran (crash, OOM kill, preemption): Dask reran
        # their slides in flight elsewhere; the build report names them
        self.lost_workers: list[str] = []
        self._log_levels = _quiet_distributed_logs()
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=CONNECT_SECONDS)
            except ValueError as exc:  # not an address ("host:87x6"): the user's to fix
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {scheduler} ({exc}); fix --scheduler "
                    "or [build] scheduler (tcp://host:8786)"
                ) from None
            except OSError as exc:  # refused, timed out, no such host: may pass
                raise RemoteServiceError(
                    f"cannot reach the Dask scheduler at {scheduler} ({exc}); retrying may "
                    "help once it is up: start it with `dask scheduler` on that host, or "
                    "fix --scheduler"
                ) from None
            self._wait_for_a_worker()
        else:
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                # None does not turn the dashboard off here: it listened on 8787 (every
                # interface's port of a shared host; "already in use" for a second build,
                # distributed issue #8136). Loopback, any free port: nothing collides.
                dashboard_address="127.0.0.1:0",
                # its workers' own log lines: a heartbeat that meets the scheduler closing
                # at the end printed a traceback under a build that succeeded; a slide's
                # failure reaches the report as its result, a lost worker as workers_lost
                silence_logs=logging.CRITICAL,
            )
            self._client = Client(self._cluster)
        # A plugin, not a one-off client.run: workers that join or restart later get it too.
        self._client.register_plugin(_thread_limit_plugin(), name="deckgen-thread-limit")

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            preflight: Preflight | None = None, warn: Warn | None = None,
            ) -> Iterator[tuple[int, Any]]:
        """``preflight`` runs once per worker process before its first slide; a worker that
        fails it stops the map (MissingDependencyError). ``warn`` prints a line to the user
        (the build's console): when the last worker leaves."""
        from dask.distributed import as_completed

        if not tasks:
            return
        # A bounded window of futures, refilled as slides finish: a million-slide build never
        # ships a million tasks to the scheduler, nor holds a million results, at once.
        window = max(64, 4 * sum(self._client.nthreads().values()))
        index: dict[str, int] = {}

        def submit(i: int):
            # no retries=: _guarded returns a failure as a value, so nothing would retry; a
            # task whose worker died is rescheduled by the scheduler (allowed-failures)
            future = self._client.submit(_guarded, fn, tasks[i], preflight, pure=False)
            index[future.key] = i
            return future

        first = min(window, len(tasks))
        running = as_completed([submit(i) for i in range(first)])
        next_task = first
        for future in self._finished(running, warn):
            i = index.pop(future.key)
            result = self._result(future)
            future.release()
            if next_task < len(tasks):
                running.add(submit(next_task))
                next_task += 1
            yield i, result

    def _result(self, future) -> Any:
        """A finished future's slide result; a lost scheduler or an unfit worker stops the
        build: turned into per-slide failures, they would publish a site without those
        slides (and an unfit worker takes most slides, failing each in milliseconds)."""
        from distributed import KilledWorker

        try:
            result = future.result()
        except KilledWorker as exc:  # the slide's workers died too often: this slide fails
            return TaskFailure("WorkerLost", f"dask task failed: {exc}")
        except CancelledError:  # the client cancels every future when its scheduler goes
            raise self._scheduler_lost() from None
        except Exception as exc:  # _guarded returns slides' errors: Dask's own call failed
            if self._client.status != "running":
                raise self._scheduler_lost() from None
            raise MissingDependencyError(
                f"a Dask worker of {self._scheduler} cannot run deckgen's slide task "
                f"({type(exc).__name__}: {exc}), e.g. another deckgen installed there; "
                f"{WORKER_FIX}"
            ) from None
        if isinstance(result, TaskFailure) and result.error_type == WORKER_SETUP:
            raise MissingDependencyError(
                f"Dask worker {result.worker} cannot build these slides: {result.message}; "
                f"{WORKER_FIX}"
            )
        return result

    def _scheduler_lost(self) -> RemoteServiceError:
        return RemoteServiceError(
            f"lost the connection to the Dask scheduler {self._scheduler} (stopped, or the "
            "network); finished slides are cached: build again once it is up"
        )

    def _wait_for_a_worker(self) -> None:
        try:
            self._client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError:
            self._client.close()
            raise MissingDependencyError(
                f"no Dask worker joined {self._scheduler} within {WORKER_WAIT_SECONDS} s; "
                f"start some with `dask worker {self._scheduler}` (deckgen installed there too)"
            ) from None

    def _finished(self, running, warn: Warn | None = None) -> Iterator[Any]:
        """Futures as they finish. Dask would wait for ever once every worker is gone:
        after WORKER_WAIT_SECONDS without one, this stops the build instead (and says,
        when the last one leaves, why the progress stands still)."""
        idle_since = time.monotonic()
        checked = 0.0
        told = False  # about this wait for a worker
        while not running.is_empty():
            now = time.monotonic()
            if now - checked > 2.0:  # asking the scheduler costs a round trip
                checked = now
                workers = self._connected_workers()
                self._workers_seen |= workers
                self.lost_workers = sorted(self._workers_seen - workers)
                if workers:
                    idle_since = now
                    told = False
                elif self._workers_seen and not told and warn is not None:
                    warn(f"no Dask worker is connected to {self._scheduler}; waiting up to "
                         f"{WORKER_WAIT_SECONDS} s for one")
                    told = True
                if not workers and now - idle_since > WORKER_WAIT_SECONDS:
                    raise MissingDependencyError(
                        f"every Dask worker of {self._scheduler} is gone and none joined in "
                        f"{WORKER_WAIT_SECONDS} s; finished slides are cached: start workers "
                        "and build again"
                    )
            batch = running.next_batch(block=False)
            if batch:
                idle_since = time.monotonic()
                yield from batch
            else:
                time.sleep(0.05)

    def _connected_workers(self) -> set[str]:
        if self._client.status != "running":  # reconnecting, or given up: futures are gone
            raise self._scheduler_lost()
        try:
            return set(self._client.nthreads())
        except Exception:
            if self._client.status != "running":
                raise self._scheduler_lost() from None
            raise

    def close(self) -> None:
        # a shared scheduler keeps no trace of this build; a lost one: nothing to ask it
        if self._client.status == "running":
            with contextlib.suppress(Exception):
                self._client.unregister_worker_plugin("deckgen-thread-limit")
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        for name, level in self._log_levels.items():
            logging.getLogger(name).setLevel(level)


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None):
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise ConfigError(f"unknown executor {kind!r}: choose one of {', '.join(EXECUTORS)}")
