"""Evidence for the main job's default model: its training time and validation quality.

Builds (or reuses) the default config's dataset through ``latentga.pipeline.ensure_dataset``
and trains the default model exactly as ``python -m latentga run`` does (same config, same
seed, ``--threads`` as the run's default of 1), then prints wall time, CPU time
(``time.process_time``, all threads of this process) and the validation precision, recall and
label MAE. On a shared machine wall time is inflated by other work; the load average is printed
beside it, and CPU time is the figure that carries over to a quiet machine.

    python benchmarks/default_model.py [--kind vae] [--threads 1] [--set model.epochs=40 ...]

The README's numbers for the default model come from this script on 40,000 layouts
(``--set dataset.n=40000`` while the built-in dataset default is smaller).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from latentga.config import load_config  # noqa: E402
from latentga.pipeline import ensure_dataset  # noqa: E402

__all__ = ["train_default", "main"]


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load unknown"
    return f"load average {one:.1f} (1 min) {five:.1f} (5 min) on {os.cpu_count()} cores"


def train_default(overrides: list[str], threads: int, progress: bool = False) -> dict:
    """Train the default (or overridden) model once; return timings and validation metrics."""
    from latentga.models import train_model

    config = load_config(None, overrides=overrides)
    t0 = time.perf_counter()
    dataset = ensure_dataset(config, progress=progress)
    data_s = time.perf_counter() - t0
    load_before = _load()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = train_model(dataset.layouts, dataset.fitness if config.model.kind == "ccvae" else None,
                         config.model, seed=config.dataset.seed, progress=progress, threads=threads)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    val = result.metrics.set_index("split").loc["validation"]
    train = result.metrics.set_index("split").loc["train"]
    hist = result.history
    return {
        "model": config.model.to_dict(), "dataset": config.dataset.to_dict(), "n_layouts": len(dataset),
        "dataset_s": data_s, "wall_s": wall, "cpu_s": cpu, "epochs_run": int(len(hist)),
        "best_epoch": int(hist.loc[hist["best"], "epoch"].iloc[-1]) if hist["best"].any() else 0,
        "val_precision": float(val["precision"]), "val_recall": float(val["recall"]),
        "val_mae": float(val.get("mae", float("nan"))), "train_precision": float(train["precision"]),
        "load_before": load_before, "load_after": _load(),
    }


def main(argv: list[str] | None = None) -> None:
    from latentga.logs import configure

    configure()  # the library's progress lines (logging) on stdout
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("ccvae", "vae"), default="ccvae")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads while training (default 1, as `python -m latentga run`)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="config override, e.g. model.epochs=40 or dataset.n=5000 (repeatable)")
    parser.add_argument("--progress", action="store_true", help="show the per-epoch progress bar")
    args = parser.parse_args(argv)
    import torch

    row = train_default([f"model.kind={args.kind}", *args.overrides], args.threads, args.progress)
    m = row["model"]
    print(f"torch {torch.__version__}, {args.threads} thread(s); {row['load_before']}")
    print(f"dataset: {row['n_layouts']} layouts x {row['dataset']['n_fires']} fires "
          f"(ready in {row['dataset_s']:.1f} s)")
    print(f"model: {m['kind']} latent {m['latent_dim']} (z_c {m['char_dim']}), channels {m['channels']}, "
          f"head {m['head_hidden']}, lr {m['lr']}, batch {m['batch_size']}, "
          f"epochs <= {m['epochs']} (ran {row['epochs_run']}, best {row['best_epoch']})")
    print(f"training: wall {row['wall_s']:.1f} s, CPU {row['cpu_s']:.1f} s; after: {row['load_after']}")
    mae = "" if m["kind"] == "vae" else f", label MAE {row['val_mae']:.4f}"
    print(f"validation: precision {row['val_precision']:.3f}, recall {row['val_recall']:.3f}{mae} "
          f"(train precision {row['train_precision']:.3f})")


if __name__ == "__main__":
    main()
