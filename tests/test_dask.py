"""Dask distributed: same output as the local pool, an external scheduler, a lost worker.

Real ``distributed`` LocalClusters of worker *processes* (nannies), the real
stages and the real ``deckgen build`` command.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import build_cmd, config_for
from dask.distributed import Client, LocalCluster
from test_faults import N_SLIDES, assert_same_output, report, run_build, site_files

from deckgen.build import Builder
from deckgen.build_report import report_problems
from deckgen.errors import EXIT_REMOTE_FAILURE, RemoteServiceError, SlideError
from deckgen.executor import TaskFailure, make_executor
from deckgen.manifest import stage_versions
from deckgen.progress import Progress

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pool_build(tmp_path_factory, tiny_corpus_master) -> Path:
    """The reference: the local process pool with 2 workers."""
    root = tmp_path_factory.mktemp("pool")
    result = run_build(root, tiny_corpus_master, "--executor", "processes", "--workers", "2")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and 2 single-threaded worker processes, started here like a real cluster."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_local_cluster_build_is_identical_to_the_process_pool(
    tmp_path, tiny_corpus_master, pool_build
):
    result = run_build(tmp_path, tiny_corpus_master, "--executor", "dask", "--workers", "2")
    assert result.returncode == 0, result.stderr
    rep = report(tmp_path)
    assert rep["slides_built"] == N_SLIDES
    assert rep["stages"]["ocr"]["processed"] == N_SLIDES  # the work really ran on Dask
    assert_same_output(tmp_path, pool_build)


def _slide_tasks_done(cluster: LocalCluster) -> int:
    """Slide tasks this cluster's scheduler saw finish (the task name is ``_guarded``)."""
    prefix = cluster.scheduler.task_prefixes.get("guarded")
    return 0 if prefix is None else prefix.state_counts["memory"]


def test_external_scheduler_address(tmp_path, tiny_corpus_master, pool_build, cluster):
    # Relative paths, from another working directory than the workers': tasks must carry
    # absolute paths, or a worker would look for the slides under its own directory.
    shutil.copytree(tiny_corpus_master, tmp_path / "corpus")
    before = _slide_tasks_done(cluster)
    result = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "build", "--quiet", "--executor", "dask",
         "--scheduler", cluster.scheduler_address,
         "--corpus", "corpus", "--out", "site", "--cache", "build"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert report(tmp_path)["slides_built"] == N_SLIDES
    assert _slide_tasks_done(cluster) - before == N_SLIDES  # the slides ran on this cluster
    assert_same_output(tmp_path, pool_build)


def square_or_fail(x: int) -> int:
    if x % 50 == 3:
        raise SlideError(f"slide {x} is bad")
    return x * x


def test_executor_maps_far_more_tasks_than_its_window_failures_as_values(cluster):
    executor = make_executor("dask", scheduler=cluster.scheduler_address)
    try:
        results = dict(executor.map(square_or_fail, list(range(300))))
    finally:
        executor.close()
    assert sorted(results) == list(range(300))
    assert results[299] == 299 * 299
    failed = sorted(i for i, r in results.items() if isinstance(r, TaskFailure))
    assert failed == [3, 53, 103, 153, 203, 253]
    assert results[53].message == "slide 53 is bad"


class _KillWorkerOnFirstResult(Progress):
    """Progress that SIGKILLs a Dask worker process when the first slide comes back.

    The worker PIDs are looked up before the build: calling into a second Client
    from inside the build's result loop mixes two clients' event loops.
    """

    def __init__(self, worker_pids: list[int]):
        super().__init__(quiet=True)
        self.worker_pids = worker_pids
        self.killed: list[int] = []
        self.remaining_at_kill: int | None = None

    @contextmanager
    def stage(self, name: str, total: int):
        if name != "upscale + ocr + images":
            with super().stage(name, total) as advance:
                yield advance
            return
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            if done == 1:
                victim = self.worker_pids[0]
                os.kill(victim, signal.SIGKILL)
                self.killed.append(victim)
                self.remaining_at_kill = total - done

        yield advance


def test_worker_lost_mid_build_is_retried_and_the_build_completes(
    tmp_path, tiny_corpus_master, pool_build, cluster
):
    cfg = config_for(
        tmp_path, tiny_corpus_master, executor="dask", scheduler=cluster.scheduler_address
    )
    with Client(cluster) as client:
        pids = sorted(client.run(os.getpid).values())
    progress = _KillWorkerOnFirstResult(pids)
    result = Builder(cfg, progress=progress).run()
    assert progress.killed and progress.remaining_at_kill, "no worker was killed mid-build"
    with Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)  # the nanny restarts the lost worker
        assert progress.killed[0] not in client.run(os.getpid).values()
    assert result.failures == 0, result.to_json()
    assert result.slides_built == N_SLIDES
    assert_same_output(tmp_path, pool_build)
    assert len(result.workers_lost) == 1, result.workers_lost  # the report names the lost one
    assert any("left during the build" in line for line in report_problems(result))


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    import socket

    from deckgen import executor as executors
    from deckgen.errors import EXIT_REMOTE_FAILURE, ConfigError, RemoteServiceError

    monkeypatch.setattr(executors, "CONNECT_SECONDS", 2)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # not running (yet): a script may retry on the exit code; a malformed address may not
    with pytest.raises(RemoteServiceError, match=f"Dask scheduler at tcp://127.0.0.1:{port}"
                       ".*retrying may help") as caught:
        make_executor("dask", scheduler=f"tcp://127.0.0.1:{port}")
    assert caught.value.exit_code == EXIT_REMOTE_FAILURE
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler.*fix --scheduler"):
        make_executor("dask", scheduler="127.0.0.1:87x6")


_NO_WORKERS = """
import time
from dask.distributed import LocalCluster
from deckgen import executor as executors
from deckgen.errors import DeckgenError
executors.WORKER_WAIT_SECONDS = 3

def slow_square(x):
    time.sleep(0.5)
    return x * x

if __name__ == "__main__":
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as empty:
        try:
            executors.make_executor("dask", scheduler=empty.scheduler_address)
        except DeckgenError as exc:
            print(f"EMPTY ({exc.exit_code}):", exc)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as one:
        executor = executors.make_executor("dask", scheduler=one.scheduler_address)
        results = executor.map(slow_square, list(range(40)),
                               warn=lambda line: print("WARN:", line))
        next(results)
        one.scale(0)  # every worker gone mid-map
        try:
            list(results)
        except DeckgenError as exc:
            print(f"GONE ({exc.exit_code}):", exc)
        executor.close()
"""


def test_a_cluster_without_workers_stops_the_build_instead_of_waiting_for_ever(tmp_path):
    # in a process of its own: clusters started and stopped here would share this one's loop
    script = tmp_path / "no_workers.py"
    script.write_text(_NO_WORKERS)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)
    # exit 4, a missing dependency: not 2, which says the command or config was wrong
    assert "EMPTY (4): no Dask worker joined" in done.stdout, done.stdout + done.stderr
    assert "GONE (4): every Dask worker of" in done.stdout, done.stdout + done.stderr
    # said once when the last worker left, not a frozen progress bar for a minute
    assert done.stdout.count("WARN: no Dask worker is connected") == 1, done.stdout


def test_a_scheduler_alone_means_the_dask_executor(tmp_path, tiny_corpus_master, cluster):
    from deckgen.config import load_config
    from deckgen.errors import ConfigError

    toml = tmp_path / "elsewhere" / "deckgen.toml"
    toml.parent.mkdir()
    toml.write_text('[build]\nscheduler = "tcp://127.0.0.1:8786"\n')
    assert load_config(toml).build.executor == "dask"  # in deckgen.toml as on the command line
    toml.write_text('[build]\nscheduler = "tcp://127.0.0.1:8786"\nexecutor = "processes"\n')
    with pytest.raises(ConfigError, match="scheduler is set, but executor is .processes."):
        load_config(toml)
    before = _slide_tasks_done(cluster)
    result = run_build(tmp_path, tiny_corpus_master, "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    assert _slide_tasks_done(cluster) - before == N_SLIDES  # on the cluster, not a local pool


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _scheduler_and_worker(tmp_path: Path, worker_env: dict | None = None):
    """`dask scheduler` and one `dask worker` as separate processes, as on a real cluster;
    yields the scheduler's address and process (the build itself waits for the worker)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    logs = (tmp_path / "dask-logs").open("w")
    started = [subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--dashboard-address", "127.0.0.1:0"], stdout=logs, stderr=logs)]
    try:
        started.append(subprocess.Popen(
            [dask, "worker", address, "--nworkers", "1", "--nthreads", "1"],
            stdout=logs, stderr=logs, env=worker_env))
        yield address, started[0]
    finally:
        for process in started:
            process.kill()
            process.wait()
        logs.close()


class _KillOnFirstResult(Progress):
    """Progress that SIGKILLs a process when the first slide comes back."""

    def __init__(self, victim: subprocess.Popen):
        super().__init__(quiet=True)
        self.victim = victim

    @contextmanager
    def stage(self, name: str, total: int):
        with super().stage(name, total) as advance:
            def advance_and_kill() -> None:
                advance()
                if name == "upscale + ocr + images" and self.victim.poll() is None:
                    self.victim.kill()
                    self.victim.wait()

            yield advance_and_kill


def test_a_scheduler_lost_mid_build_stops_it_and_leaves_the_last_site(
    tmp_path, tiny_corpus_master, pool_build
):
    shutil.copytree(pool_build / "site", tmp_path / "site")  # the last finished site
    with _scheduler_and_worker(tmp_path) as (address, scheduler):
        cfg = config_for(tmp_path, tiny_corpus_master, executor="dask", scheduler=address)
        progress = _KillOnFirstResult(scheduler)
        # not one failure per slide left (then a site without them, exit 0): a retryable stop
        with pytest.raises(RemoteServiceError, match=f"Dask scheduler {address}.*finished "
                           "slides are cached: build again once it is up") as caught:
            Builder(cfg, progress=progress).run()
    assert scheduler.returncode == -signal.SIGKILL, "the scheduler was not killed mid-build"
    assert caught.value.exit_code == EXIT_REMOTE_FAILURE
    assert site_files(tmp_path / "site") == site_files(pool_build / "site")



def test_a_lost_scheduler_is_one_line_not_dasks_tracebacks(tmp_path, tiny_corpus_master):
    # the command line showed Dask's reconnect notice and ~30 lines of closed-connection
    # tracebacks before its own error line (QA-54)
    with _scheduler_and_worker(tmp_path) as (address, scheduler):
        build = subprocess.Popen(build_cmd(tmp_path, tiny_corpus_master, "--scheduler", address),
                                 stderr=subprocess.PIPE, text=True)
        objects = tmp_path / "build" / "cache" / "objects"
        deadline = time.monotonic() + 120
        while (build.poll() is None and time.monotonic() < deadline
               and not any(objects.glob("*/*"))):  # a first slide's result is cached
            time.sleep(0.02)
        scheduler.kill()
        _, stderr = build.communicate(timeout=120)
    assert build.returncode == EXIT_REMOTE_FAILURE, stderr
    assert "error: lost the connection to the Dask scheduler" in stderr
    assert "Traceback" not in stderr and "distributed." not in stderr, stderr

def test_a_worker_with_other_stage_versions_stops_the_build_naming_it(
    tmp_path, tiny_corpus_master
):
    # an older deckgen on the worker: its OCR would be cached under this deckgen's keys
    shim = tmp_path / "older-deckgen"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text("import deckgen.ocr\ndeckgen.ocr.VERSION = '0-older'\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(shim), *filter(None, [os.environ.get("PYTHONPATH")])]))
    with _scheduler_and_worker(tmp_path, worker_env=env) as (address, _):
        result = run_build(tmp_path, tiny_corpus_master, "--scheduler", address)
    assert result.returncode == 4, result.stderr  # a missing dependency, not partial success
    assert "Dask worker tcp://127.0.0.1:" in result.stderr, result.stderr
    assert f"ocr 0-older on the worker, {stage_versions()['ocr']} on the deckgen host" in (
        result.stderr), result.stderr
    assert "fix that worker" in result.stderr and "finished slides are cached" in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test_worker_problem_names_what_a_worker_lacks(tmp_path, monkeypatch):
    from deckgen.slide_task import worker_problem

    versions = stage_versions()
    assert worker_problem(versions, str(tmp_path), "eng") is None
    assert "corpus folder" in worker_problem(versions, str(tmp_path / "absent"), "eng")
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on this worker's PATH
    monkeypatch.delenv("DECKGEN_TESSERACT", raising=False)
    assert "Tesseract is not installed" in worker_problem(versions, str(tmp_path), "eng")


def test_a_local_cluster_keeps_its_http_server_off_8787_and_local():
    with socket.socket() as holder, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(OSError):  # another program may hold it: in use either way
            holder.bind(("127.0.0.1", 8787))
            holder.listen()
        executor = make_executor("dask", workers=1)
        try:
            http = executor._cluster.scheduler.http_server
            assert (http.address, http.port != 8787) == ("127.0.0.1", True)
        finally:
            executor.close()
    assert not [w for w in caught if "already in use" in str(w.message)]
