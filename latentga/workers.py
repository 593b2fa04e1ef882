"""Process pools whose workers never outlive the run that started them.

Why: a ``kill -9`` (or SIGTERM) of a run left ``ProcessPoolExecutor`` workers blocked on their
task queue, or busy on a chunk, for minutes (about 300 MB each). Here every worker arranges to
die with its parent, and a ``with`` block left by an exception kills the workers at once
instead of waiting for their current chunk.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator

__all__ = ["worker_pool", "die_with_parent"]


def _exit_when_orphaned(ppid: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != ppid:
            os._exit(1)


def die_with_parent(parent: int | None) -> None:
    """Pool initializer: end this worker as soon as its parent process dies.

    ``parent`` is the pid the worker's parent must have (None with a fork server, whose pid the
    pool does not know): a worker that starts after its parent died exits at once.
    On Linux the kernel sends SIGKILL when the parent dies (``PR_SET_PDEATHSIG``), even while the
    worker runs compiled code holding the GIL; elsewhere, and as a fallback, a daemon thread
    checks twice a second whether the worker was re-parented.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    ppid = os.getppid()
    if parent is not None and ppid != parent:  # the parent died before the signal was armed
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(ppid,), daemon=True, name="die-with-parent").start()


def _start_worker(parent: int | None, initializer: Callable | None, initargs: tuple) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    if hasattr(pool, "kill_workers"):  # Python 3.14+
        pool.kill_workers()
    else:  # the executor's own table of its worker processes
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
    # not cancel_futures: Python 3.11's pool then fails on the cancelled futures of dead workers
    pool.shutdown(wait=False)


@contextlib.contextmanager
def worker_pool(workers: int, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator[ProcessPoolExecutor]:
    """``with worker_pool(n) as pool: pool.map(...)``: a ProcessPoolExecutor whose workers die
    with this process, and are killed at once if the block ends by an exception (Ctrl-C, a
    SIGTERM turned into an exit by the CLI, an error).

    Keep tasks small (send big inputs once through ``initializer``): a task bigger than a pipe's
    buffer, half-sent when the workers are killed, blocks the interpreter's exit. Collect results
    from ``pool.submit`` futures rather than ``pool.map``: an interrupted ``map`` cancels its
    futures, and Python 3.11's pool then dies with a traceback marking them broken.
    """
    from latentga.validation import checked_workers

    workers = checked_workers(workers, "workers")
    context = multiprocessing.get_context()
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(parent, initializer, tuple(initargs)))
    try:
        yield pool
    except BaseException:
        _kill_workers(pool)
        raise
    pool.shutdown(wait=True)
