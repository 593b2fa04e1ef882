"""A finished run as files: the logbook as a table, the best layouts as data and pictures.

The files are written into a staging folder inside the results folder, moved into place, and
described last by the manifest ``run.json`` (status, generation, SHA-256 of every file), so a
reader checks :func:`verify_results` and never mistakes a half-replaced set for a run's results.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from deap import tools

from latentga.cut import burned_area_cut, no_firebreak_fitness
from latentga.errors import OutputError
from latentga.ga.engine import CHECKPOINT_NAME
from latentga.ga.individual import fitness_array, individual_arrays
from latentga.io import (
    ensure_folder,
    save_csv_atomic,
    save_figure_atomic,
    save_npy_atomic,
    save_yaml_atomic,
    temporaries_of,
    write_text_atomic,
)

__all__ = ["logbook_frame", "write_results", "plot_convergence", "plot_layout", "MANIFEST_NAME",
           "read_manifest", "write_manifest", "verify_results", "leftovers", "checkpoint_hash", "verify_for_resume"]

MANIFEST_NAME = "run.json"
MANIFEST_FORMAT = "latentga-run-1"


def logbook_frame(logbook: tools.Logbook) -> pd.DataFrame:
    """The logbook as a DataFrame, one row per generation, columns in logbook header order."""
    frame = pd.DataFrame(list(logbook))
    cols = [c for c in (logbook.header or frame.columns) if c in frame.columns]
    return frame[cols]


def plot_convergence(frame: pd.DataFrame, title: str, n_fires: int | None = None):
    """Population mean +- std and the best so far per generation (whole generations on the x axis).

    The generation's best is not drawn: with elitism it is the best so far, and a line hidden
    under another would only add a legend entry that cannot be seen.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.fill_between(frame["gen"], frame["avg"] - frame["std"], frame["avg"] + frame["std"], alpha=0.2,
                    label="population mean ± std")
    ax.plot(frame["gen"], frame["avg"], lw=1, label="population mean")
    ax.plot(frame["gen"], frame["best_so_far"], lw=2, label="best so far")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("generation")
    fires = f"the {n_fires} search fires" if n_fires else "the search fires"
    ax.set_ylabel(f"fitness on {fires}\n(mean fraction of cells not burned)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_layout(layout: np.ndarray, fitness: float, title: str, burnable: np.ndarray | None = None,
                ignition_cell: int | None = None, ignition_area=None):
    """The firebreaks (black, as in every figure of a report) over the landscape (burnable =
    green, non-fuel = grey), with row/column coordinates and a legend below the map;
    ``ignition_area`` (flat cell ids where fires may start) is outlined, the ignition cell starred."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    layout = np.asarray(layout, bool)
    base = np.ones(layout.shape, int) if burnable is None else np.where(burnable, 1, 0)
    image = np.where(layout, 2, base)
    colours = ["#bbbbbb", "#8fcf7f", "#111111"]
    fig = Figure(figsize=(5, 5.4))
    ax = fig.add_subplot()
    ax.imshow(image, cmap=ListedColormap(colours), vmin=0, vmax=2, interpolation="nearest")
    handles = [Patch(color=colours[1], label="burnable"), Patch(color=colours[2], label="firebreak")]
    if (base == 0).any():
        handles.insert(1, Patch(color=colours[0], label="non-fuel"))
    if ignition_area is not None and len(ignition_area):
        rows, cols = np.divmod(np.asarray(ignition_area, int), layout.shape[1])
        r0, c0 = rows.min(), cols.min()
        ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), cols.max() - c0 + 1, rows.max() - r0 + 1, fill=False,
                               edgecolor="black", lw=1.5, ls="--"))
        handles.append(Patch(fill=False, edgecolor="black", ls="--", label="ignition area"))
    if ignition_cell is not None:
        r, c = divmod(int(ignition_cell), layout.shape[1])
        handles.append(ax.plot(c, r, marker="*", color="#1f77b4", markeredgecolor="white", markersize=14,
                               ls="none", label="ignition cell")[0])
    ax.set_title(f"{title}\nfitness {fitness:.4f}, {int(layout.sum())} firebreaks")
    from latentga.report import grid_coordinates

    grid_coordinates(ax)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(handles), fontsize=8,
              frameon=False)
    return fig


def _ignition_area(ignition_cell, simulator, shape) -> np.ndarray | None:
    """Cells where the run's fires may start (Cell2Fire's ``--IgnitionRad`` block), or None."""
    radius = getattr(simulator, "ignition_radius", None) if simulator is not None else None
    if ignition_cell is None or radius is None:
        return None
    from latentga.simulator.c2f_random import ignition_candidates

    return ignition_candidates(int(ignition_cell), int(radius), tuple(shape))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(out_dir: str | os.PathLike) -> dict | None:
    """The folder's ``run.json`` as a dict, or None when it has none (or an unreadable one)."""
    try:
        data = json.loads((Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else None


def write_manifest(out_dir: str | os.PathLike, config: Mapping, status: str, generation: int | None = None,
                   files: dict[str, str] | None = None) -> Path:
    """Write ``run.json``: who wrote the folder, how far it got, and the hash of each result file."""
    data = {"format": MANIFEST_FORMAT, "name": config.get("name"), "status": status, "generation": generation,
            "host": socket.gethostname(), "pid": os.getpid(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files or {}}
    return write_text_atomic(Path(out_dir) / MANIFEST_NAME, json.dumps(data, indent=1) + "\n")


def verify_results(out_dir: str | os.PathLike) -> dict:
    """The manifest of a finished run whose files all match it; OutputError saying what is off."""
    out = Path(out_dir)
    manifest = read_manifest(out)
    if manifest is None or manifest.get("status") != "finished":
        raise OutputError(f"{out} holds no finished run (no {MANIFEST_NAME} with status finished); "
                          "finish or resume the run with `python -m latentga run --resume --out "
                          f"{out}`")
    for name, digest in manifest["files"].items():
        if not (out / name).is_file() or _sha256(out / name) != digest:
            raise OutputError(f"{out / name} is not the file the run wrote (missing or changed since); "
                              f"resume the run (`run --resume --out {out}`) to write its results again")
    left = leftovers(out)
    if left:
        raise OutputError(f"{out} holds {len(left)} leftover(s) of a killed write ({left[0].name}); the next "
                          f"`run --resume --out {out}` removes them, or delete them")
    return manifest


def checkpoint_hash(out_dir: str | os.PathLike) -> dict[str, str]:
    """``{checkpoint name: SHA-256}`` of the folder's checkpoint (empty when it has none), for the
    manifest: a resumed run then starts only from the checkpoint its run wrote."""
    path = Path(out_dir) / CHECKPOINT_NAME
    return {CHECKPOINT_NAME: _sha256(path)} if path.is_file() else {}


def _checkpoint_generation(path: Path) -> int | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return int(json.loads(str(data["meta"][()]))["generation"])
    except Exception:  # unreadable: the checkpoint's own loader names the problem
        return None


def verify_for_resume(out_dir: str | os.PathLike) -> None:
    """Before a resume: every file ``run.json`` lists, the checkpoint included, is the one the run
    wrote, or one OutputError naming the first that is not. A folder without a manifest (written
    before manifests existed) passes; so does a checkpoint one generation past a ``running``
    manifest (a kill between writing the checkpoint and the manifest)."""
    out = Path(out_dir)
    manifest = read_manifest(out)
    if manifest is None or not isinstance(manifest.get("files"), dict):
        return
    for name, digest in manifest["files"].items():
        name = str(name)
        path = out / name
        if Path(name).name != name:  # only plain names in this folder are the run's files
            continue
        if path.is_file() and _sha256(path) == digest:
            continue
        if name == CHECKPOINT_NAME and path.is_file() and manifest.get("status") == "running" and \
                isinstance(manifest.get("generation"), int) and \
                _checkpoint_generation(path) == manifest["generation"] + 1:
            continue  # killed between writing the checkpoint and the manifest
        raise OutputError(f"{path} is not the file this run wrote (missing or changed since; see {out / MANIFEST_NAME}); "
                          "put the original back, or resume with --trust-folder to continue from the folder as it is")


def leftovers(out_dir: str | os.PathLike) -> list[Path]:
    """Temporary files and staging folders a killed write left in a results folder."""
    from latentga.runs.folder import RUN_FILES

    out = Path(out_dir)
    found = sorted(out.glob(".staging-*"))
    for name in ("checkpoint.npz",) + RUN_FILES:
        found += temporaries_of(out / name)
    return found


def _no_breaks(simulator) -> float | None:
    """The empty layout's fitness on the run's fires (None without a simulator to ask)."""
    if simulator is None or not hasattr(simulator, "evaluate"):
        return None
    return no_firebreak_fitness(simulator)


def write_results(out_dir: str | os.PathLike, config: Mapping, logbook: tools.Logbook, hof,
                  landscape=None, simulator=None, context=None) -> dict[str, Path]:
    """Write ``logbook.csv``, ``best_layouts.npy`` (hall of fame, best first), ``best_fitness.npy``,
    ``best_layout.png``, ``convergence.png``, ``config.yaml`` (resolved: ``config`` is the run's
    :class:`~latentga.config.RunConfig`, or any mapping of the same shape), the best plan as
    ``plan.csv`` (Cell2Fire) and ``plan.asc`` (+ ``.prj``/``.tif`` as the landscape has them) and
    ``report.html`` (all of it on one page) into ``out_dir``, then the manifest ``run.json``
    naming them with their SHA-256. Given the run's ``simulator``, the plot marks the whole
    ignition area, the report shows the best layout over its burn probability, and both give its
    burned-area cut against no firebreaks on the same fires (:mod:`latentga.cut`); given the
    plan's :class:`~latentga.context.PlanContext` (fresh fires), the report opens with it and the
    burn-probability maps with and without the plan are written as ``.asc``.

    Everything is rendered into a staging folder first, so a failure while plotting leaves the
    previous results untouched; the files then replace the old ones one rename each.
    """
    out = ensure_folder(out_dir, "results folder")
    frame = logbook_frame(logbook)
    best = individual_arrays(list(hof))
    fit = fitness_array(list(hof))
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        staged = {
            "logbook": save_csv_atomic(stage / "logbook.csv", frame),
            "best_layouts": save_npy_atomic(stage / "best_layouts.npy", best),
            "best_fitness": save_npy_atomic(stage / "best_fitness.npy", fit),
            "config": save_yaml_atomic(stage / "config.yaml", config),
        }
        f0 = _no_breaks(simulator)
        cut = burned_area_cut(float(fit[0]), f0) if f0 is not None else None
        title = f"{config['name']}: {config['operators']['mate']['name']} + {config['operators']['mutate']['name']}"
        n_fires = getattr(simulator, "n_fires", None) if simulator is not None else None
        staged["convergence"] = save_figure_atomic(stage / "convergence.png", plot_convergence(frame, title, n_fires))
        if landscape is None and simulator is not None:
            landscape = getattr(simulator, "landscape", None)
        burnable = getattr(landscape, "burnable", None) if landscape is not None else None
        ignition = getattr(landscape, "ignition_cell", None) if landscape is not None else None
        area = _ignition_area(ignition, simulator, best[0].shape)
        staged["best_layout"] = save_figure_atomic(
            stage / "best_layout.png", plot_layout(best[0], float(fit[0]), f"best layout of {config['name']}"
                                                   + (f" (cut {100 * cut:.1f} %)" if cut is not None else ""),
                                                   burnable, ignition, area))
        from latentga.report import write_run_report

        if landscape is not None and tuple(getattr(landscape, "shape", ())) == best[0].shape:
            from latentga.context import write_plan_outputs

            staged.update(write_plan_outputs(stage, best[0], landscape, context))
        if context is not None:  # the map on fresh fires, as burn_probability.asc
            burn = context.burn
        else:
            burn = simulator.burn_probability(best[:1])[0] if hasattr(simulator, "burn_probability") else None
        summary = None if f0 is None else {"best fitness": float(fit[0]), "fitness without firebreaks": f0,
                                           "burned-area cut": cut}
        staged["report"] = write_run_report(stage, config, frame, burn, best[0], summary, context=context)
        hashes = {p.name: _sha256(p) for p in staged.values()}
        hashes.update(checkpoint_hash(out))
        write_manifest(out, config, "writing", int(logbook[-1]["gen"]) if len(logbook) else None,
                       checkpoint_hash(out))
        paths = {}
        for key, path in staged.items():
            os.replace(path, out / path.name)
            paths[key] = out / path.name
        write_manifest(out, config, "finished", int(logbook[-1]["gen"]) if len(logbook) else None, hashes)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return paths
