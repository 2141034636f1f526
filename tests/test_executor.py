import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from deckgen.errors import ConfigError, MissingDependencyError, SlideError
from deckgen.executor import WORKER_DIED, WORKER_SETUP, TaskFailure, _guarded, make_executor


def square_or_fail(x: int) -> int:
    if x == 3:
        raise SlideError("three is a bad slide")
    if x == 5:
        raise ValueError("boom")
    return x * x


def square_or_kill_the_worker(x: int) -> int:
    if x == 4:
        os._exit(9)  # as the OOM killer or a segfault in a native library would
    return x * x


def square_or_kill_the_worker_once(task: tuple[int, str]) -> int:
    """Kills its worker the first time it runs 1 (OOM-killed for its neighbours' memory,
    say); a marker file remembers across processes."""
    x, folder = task
    marker = Path(folder) / f"died-on-{x}"
    if x == 1 and not marker.exists():
        marker.touch()
        os._exit(9)
    return x * x


def kill_the_worker(task: int) -> int:
    os._exit(9)


@pytest.mark.parametrize("kind", ["serial", "processes"])
def test_map_returns_every_result_and_failures_as_values(kind):
    executor = make_executor(kind, workers=2)
    try:
        results = dict(executor.map(square_or_fail, list(range(8))))
    finally:
        executor.close()
    assert sorted(results) == list(range(8))
    assert results[2] == 4 and results[7] == 49
    assert isinstance(results[3], TaskFailure) and results[3].message == "three is a bad slide"
    assert isinstance(results[5], TaskFailure) and "boom" in results[5].message


def test_a_task_that_kills_its_worker_fails_alone_and_the_pool_goes_on():
    executor = make_executor("processes", workers=2)
    try:
        # twice: the second map runs on the pool started again after the first one broke
        for _ in range(2):
            results = dict(executor.map(square_or_kill_the_worker, list(range(12))))
            assert results.pop(4) == TaskFailure("WorkerCrashed", WORKER_DIED)
            # the tasks in flight beside it were retried, alone, and done
            assert results == {x: x * x for x in range(12) if x != 4}
    finally:
        executor.close()


def test_a_task_whose_worker_died_once_is_retried_and_done(tmp_path):
    executor = make_executor("processes", workers=2)
    try:
        results = dict(executor.map(square_or_kill_the_worker_once,
                                    [(x, str(tmp_path)) for x in range(6)]))
    finally:
        executor.close()
    assert (tmp_path / "died-on-1").exists()  # it did die
    assert results == {x: x * x for x in range(6)}


def test_workers_that_die_on_every_task_stop_the_map_with_a_clear_error():
    executor = make_executor("processes", workers=1)
    try:
        with pytest.raises(MissingDependencyError, match="died .* times in a row"):
            list(executor.map(kill_the_worker, list(range(20))))
    finally:
        executor.close()


def test_unknown_executor():
    with pytest.raises(ConfigError, match="serial, processes, dask"):
        make_executor("threads")


@dataclass(frozen=True)
class FolderExists:
    """A preflight: the worker sees ``folder`` (hashable by value, as the executor needs)."""

    folder: str

    def __call__(self) -> str | None:
        return None if Path(self.folder).is_dir() else f"no folder {self.folder}"


def test_a_worker_preflight_stops_every_task_until_it_passes_then_runs_once(tmp_path):
    check = FolderExists(str(tmp_path / "corpus"))
    failed = _guarded(square_or_fail, 2, check)
    assert failed == TaskFailure(WORKER_SETUP, f"no folder {tmp_path / 'corpus'}",
                                 worker="(not a Dask worker)")
    (tmp_path / "corpus").mkdir()  # fixed without restarting the worker: it passes now
    assert _guarded(square_or_fail, 2, check) == 4
    (tmp_path / "corpus").rmdir()
    assert _guarded(square_or_fail, 7, check) == 49  # passed once: not checked again
