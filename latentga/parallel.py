"""Running latentga's work under SCOOP: the map to use, and the per-process settings.

Why this module exists (issue 16, measured with ``benchmarks/scoop_scaling.py``):

* SCOOP 0.7's lost-future recovery re-sends work that is still running. A worker's status
  report lists only the futures queued on it, never the one it is executing, and the broker
  treats a worker that has not reported yet as having nothing; an origin that waits for
  results asks the broker about each outstanding future every 2 s and, on "not found",
  re-sends it. With more workers than cores the origin waits from the start, so tasks ran
  twice ("Lost track of future ... Resending it") and the run was several times slower.
  :func:`scoop_map` turns those status requests off in the origin. A worker that dies with an
  exception still stops the pool (SCOOP broadcasts the shutdown); one killed from outside
  (out of memory) leaves the run waiting: interrupt it, and resume a GA from its checkpoint.
* Every worker that runs torch, numba or a BLAS with its default thread count starts one
  thread per core: 16 workers on 2 cores then fight over the cores. :func:`setup_process`
  pins each worker to one thread, before those libraries are imported when called early.

* Each worker pays a start-up cost on its first task (importing torch, numba's cached kernels,
  loading the dataset and the model: several CPU seconds). 16 workers on 2 cores pay it 16
  times, all at once. :func:`scoop_map` therefore asks the pool how many workers can run at
  once without sharing a core (:func:`pool_slots`: per host, the smaller of its workers and its
  cores) and, when the pool has more workers than that, sends that many bundles of items
  (dealt round-robin) instead of one future per item. Results come back in order and do not
  depend on the bundling. Bundles are static: list long items first so the deal is even.

* ``kill -9`` or Ctrl-C of the ``python -m scoop`` launcher left the origin and the workers
  running with PPID 1 (the run even finished in the background), and a worker that ignored
  SIGTERM outlived Ctrl-C. :func:`tie_to_launcher` (called by :func:`setup_process` in every
  SCOOP process) makes each process die with SCOOP's per-host launcher (``PR_SET_PDEATHSIG``),
  and kills that launcher, and so every process under it, once the ``python -m scoop`` process
  above it is gone. A worker killed alone still leaves the run waiting (SCOOP's own limit).

Nothing here imports torch, numpy or numba at module level, so the entry points can call
:func:`setup_process` first thing.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from typing import Callable, Iterator

__all__ = ["THREAD_VARIABLES", "under_scoop", "is_scoop_origin", "pin_threads", "setup_process", "tie_to_launcher",
           "STATUS_VARIABLE", "record_origin_status",
           "usable_cores", "pool_slots", "bundle_indices", "scoop_map", "parallel_map"]

#: Environment variables that size the thread pools of OpenMP, MKL, OpenBLAS, Accelerate,
#: numexpr and numba; read when those libraries load.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS")


def under_scoop() -> bool:
    """True in every process of a ``python -m scoop`` run (origin and workers)."""
    scoop = sys.modules.get("scoop")
    if scoop is None:
        try:
            import scoop
        except ImportError:
            return False
    return bool(getattr(scoop, "IS_RUNNING", False))


def is_scoop_origin() -> bool:
    """True in the process that runs the script's ``__main__`` under SCOOP."""
    return under_scoop() and bool(getattr(sys.modules["scoop"], "IS_ORIGIN", False))


def pin_threads(n: int = 1) -> None:
    """Run this process's numerical libraries on ``n`` threads.

    Sets :data:`THREAD_VARIABLES` (effective for libraries not yet imported) and the live
    thread counts of torch and numba if they are already imported.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"thread count must be a positive integer, got {n!r}")
    numba = sys.modules.get("numba")
    for name in THREAD_VARIABLES:
        if name == "NUMBA_NUM_THREADS" and numba is not None:
            continue  # numba already read it and may have started its pool: a new value would
            # make numba's next config reload raise; the live count is set below instead
        os.environ[name] = str(n)
    if numba is not None:  # first: starting numba's thread pool can reset torch's OpenMP count
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(n)


def setup_process() -> None:
    """Per-process settings for a SCOOP run; does nothing outside SCOOP.

    Workers get one thread each (:func:`pin_threads`). Call it at the top of every script SCOOP
    starts (``latentga/__main__.py``, ``benchmarks/compare.py``): workers import that script
    before running any task, so the pinning precedes the imports of torch and numba.
    """
    if under_scoop():
        tie_to_launcher()
        if not is_scoop_origin():
            pin_threads(1)


def _parent_pid(pid: int) -> int | None:
    """The parent of ``pid`` (Linux ``/proc``), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
        return int(data[data.rindex(b")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _command_line(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return b""


_TIED: list[int] = []

#: Set by ``python -m latentga.scoop_run``: the file where the origin writes its exit code.
STATUS_VARIABLE = "LATENTGA_SCOOP_STATUS"


def record_origin_status(code: int) -> None:
    """In a SCOOP origin started by ``python -m latentga.scoop_run``: hand the exit code to the
    launcher (SCOOP itself drops it). Does nothing elsewhere."""
    path = os.environ.get(STATUS_VARIABLE)
    if path and is_scoop_origin():
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(f"{int(code)}\n")
        except OSError:
            pass


def _watch_launcher(host: int, launcher: int | None) -> None:
    while True:
        time.sleep(0.5)
        if _parent_pid(host) != launcher:  # the launcher is gone (its host launcher re-parented, or gone)
            try:
                os.kill(host, signal.SIGKILL)  # every process under it gets its death signal
            except OSError:
                pass
            os._exit(1)


def tie_to_launcher() -> None:
    """In a SCOOP origin or worker: die with SCOOP's per-host launcher (``python -m scoop.launch``,
    this process's parent), and end that launcher, hence every process of the run on this host,
    when the ``python -m scoop`` process above it dies. Linux only; idempotent; nothing happens
    when the parent is not SCOOP's host launcher."""
    if _TIED or not sys.platform.startswith("linux"):
        return
    host = os.getppid()
    if b"scoop.launch" not in _command_line(host):
        return
    from latentga.workers import die_with_parent

    _TIED.append(host)
    die_with_parent(host)
    threading.Thread(target=_watch_launcher, args=(host, _parent_pid(host)), daemon=True,
                     name="die-with-scoop-launcher").start()


def _quiet_status_requests() -> None:
    """Stop this origin's queue from asking the broker about outstanding futures (see the
    module docstring); idempotent."""
    from scoop import _control

    queue = _control.execQueue
    if queue is not None and "askForPreviousFutures" not in vars(queue):
        queue.askForPreviousFutures = _no_status_request


def _no_status_request() -> None:
    return None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _host_info(until: float) -> tuple[str, int, int]:
    """A probe: stays busy until ``until`` (wall clock, at most 1 s) so that each idle worker
    takes one probe of a round rather than one fast worker taking them all."""
    time.sleep(min(1.0, max(0.0, until - time.time())))
    return socket.gethostname(), usable_cores(), os.getpid()


_SLOTS: dict[int, int] = {}  # pool size -> slots, measured once per origin process


def pool_slots(timeout: float = 30.0) -> int:
    """How many of the pool's workers can run at once without sharing a core.

    Sends rounds of short probes until every one of ``scoop.SIZE`` workers has answered (or
    ``timeout`` seconds passed, then counting those that did) and sums, per host, the smaller of its
    workers and its cores. Measured once per process.
    """
    import scoop
    from scoop import futures

    size = int(scoop.SIZE)
    if size not in _SLOTS:
        seen: dict[tuple[str, int], int] = {}
        deadline = time.monotonic() + timeout
        while len(seen) < size and time.monotonic() < deadline:
            until = time.time() + 0.3
            for host, cores, pid in futures.map(_host_info, [until] * size):
                seen[(host, pid)] = cores
        hosts: dict[str, list[int]] = {}
        for (host, _pid), cores in seen.items():
            hosts.setdefault(host, []).append(cores)
        _SLOTS[size] = max(1, sum(min(len(c), max(c)) for c in hosts.values()))
    return _SLOTS[size]


def bundle_indices(n_items: int, n_bundles: int) -> list[list[int]]:
    """Deal ``range(n_items)`` round-robin into ``n_bundles`` bundles (item i to bundle
    i mod n_bundles): callers that list their longest items first (the comparison lists the GA
    runs, then the searching baselines, then the quick ones) get bundles of near-equal work."""
    if n_bundles < 1:
        raise ValueError(f"n_bundles must be at least 1, got {n_bundles}")
    return [list(range(b, n_items, n_bundles)) for b in range(min(n_bundles, n_items))]


def _run_bundle(func: Callable, arguments: list[tuple]) -> list:
    return [func(*args) for args in arguments]


def _bundled(func: Callable, arguments: list[tuple], n_bundles: int) -> Iterator:
    from scoop import futures

    bundles = bundle_indices(len(arguments), n_bundles)
    done: dict[int, object] = {}
    position = 0
    for indices, results in zip(bundles, futures.map(_run_bundle, [func] * len(bundles),
                                                       [[arguments[i] for i in b] for b in bundles])):
        done.update(zip(indices, results))
        while position in done:
            yield done.pop(position)
            position += 1


def scoop_map(func: Callable, *iterables) -> Iterator:
    """``scoop.futures.map`` done right for latentga: results in order, no running future
    re-sent, and no more workers busy at once than the pool has cores for (bundling)."""
    import scoop
    from scoop import futures

    _quiet_status_requests()
    if not is_scoop_origin():
        return futures.map(func, *iterables)
    arguments = list(zip(*iterables))
    slots = pool_slots()
    if slots >= int(scoop.SIZE) or len(arguments) <= 1:
        return futures.map(func, *iterables)
    return _bundled(func, arguments, slots)


def parallel_map() -> Callable:
    """:func:`scoop_map` when running under SCOOP, else the builtin ``map``."""
    return scoop_map if under_scoop() else map
