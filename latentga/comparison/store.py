"""Each finished (method, seed) of a comparison kept on disk, so an interrupted one resumes.

Why: a comparison is hours of independent tasks; one stopped at task 40 of 60 used to start over
from nothing. :class:`TaskStore` writes every task's result as it arrives (``tasks/<key>.npz``,
plain arrays and numbers, never a pickle) and, with ``--resume``, hands back the stored results
of the tasks whose settings are unchanged: the key hashes the task's whole definition, so a task
whose config changed runs again. Every task is deterministic given its definition, so a resumed
comparison has the numbers of an uninterrupted one (only the wall and CPU times are those of the
run that did each task).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from latentga.comparison.tasks import Task, TaskResult
from latentga.config import config_hash
from latentga.schema import thaw

__all__ = ["TaskStore", "task_key", "STORE_NAME"]

STORE_NAME = "tasks"
_SCALARS = ("fitness", "validation", "heldout", "calls", "fires", "cpu_seconds", "seconds")


def task_key(task: Task) -> str:
    """A file-safe name for the task, with a hash of everything that determines its result."""
    validation = thaw(task.validation)
    if isinstance(validation, dict) and not validation.get("early_stopping"):  # added later: off keeps old keys
        validation.pop("early_stopping", None)
    digest = config_hash({"kind": task.kind, "method": task.method, "seed": task.seed, "run": task.run,
                          "heldout": task.heldout, "validation": validation, "budget": task.budget,
                          "milestones": list(task.milestones), "rescore": task.rescore})
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in task.method)
    return f"{safe}-seed{task.seed}-{digest}"


class TaskStore:
    """``folder/tasks/``: one ``.npz`` per finished task."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder) / STORE_NAME

    def path(self, task: Task) -> Path:
        return self.folder / f"{task_key(task)}.npz"

    def save(self, task: Task, result: TaskResult) -> Path:
        from latentga.io import atomic_path

        trace = {f"trace__{c}": result.trace[c].to_numpy() for c in result.trace.columns}
        with atomic_path(self.path(task), suffix=".npz") as tmp:
            np.savez(tmp, method=np.array(result.method), kind=np.array(result.kind), seed=np.int64(result.seed),
                     label=np.array(result.label), layout=np.asarray(result.layout),
                     trace_columns=np.array(list(result.trace.columns)),
                     **{k: np.float64(getattr(result, k)) for k in _SCALARS}, **trace)
        return self.path(task)

    def load(self, task: Task) -> TaskResult | None:
        """The stored result of this very task, or None (absent or unreadable: it runs again)."""
        path = self.path(task)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                trace = pd.DataFrame({c: z[f"trace__{c}"] for c in z["trace_columns"].tolist()})
                values = {k: float(z[k]) for k in _SCALARS}
                return TaskResult(str(z["method"]), str(z["kind"]), int(z["seed"]), str(z["label"]),
                                  np.asarray(z["layout"]), values["fitness"], values["validation"],
                                  values["heldout"], int(values["calls"]), int(values["fires"]),
                                  values["cpu_seconds"], values["seconds"], trace)
        except (OSError, ValueError, KeyError, EOFError):
            return None
