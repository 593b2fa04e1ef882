"""How fast the VAE/CCVAE trains on this CPU: samples/s and seconds per 50,000-layout epoch.

Times one real epoch of ``latentga.models.train_model`` (forward, loss, backward, Adam, plus
the small validation pass) for the report's full architecture (the default) and the main job's,
so the cost of training the full configuration on the report's 50,000 layouts is known before
starting it. Labels are random numbers: speed does not depend on their values.

    python benchmarks/train_speed.py [--n 2048] [--threads 1 2] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from latentga.config import SMALL_MODEL  # noqa: E402
from latentga.layouts import random_layouts  # noqa: E402
from latentga.models import MODEL_DEFAULTS, build_model, train_model  # noqa: E402

__all__ = ["ARCHITECTURES", "measure", "main"]

ARCHITECTURES = {
    "report (default)": {},
    # the main job's model (latentga.config.SMALL_MODEL), without its training-length settings
    "run default": {k: v for k, v in SMALL_MODEL.items()
                    if k in ("channels", "latent_dim", "char_dim", "head_hidden", "dropout")},
}


def measure(arch: dict, n: int, batch_size: int, threads: int, kind: str = "ccvae",
            grid: tuple[int, int] = (20, 20), k: int = 20) -> dict:
    """Train one epoch on ``n`` random layouts and return the timing row."""
    rng = np.random.default_rng(0)
    layouts = random_layouts(n, grid, k, rng)
    fitness = rng.normal(0.65, 0.03, n)
    config = {**arch, "kind": kind, "epochs": 1, "batch_size": batch_size, "val_fraction": 0.05}
    start = time.perf_counter()
    result = train_model(layouts, fitness, config, seed=0, progress=False, threads=threads)
    epoch_s = float(result.history["seconds"].iloc[0])
    n_train = n - max(1, round(0.05 * n))
    rate = n_train / epoch_s
    return {
        "params": sum(p.numel() for p in build_model(config, grid).parameters()),
        "samples_per_s": rate,
        "s_per_epoch_50k": 50_000 / rate,
        "wall_s": time.perf_counter() - start,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2048, help="layouts per timed epoch")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="torch threads to try")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[MODEL_DEFAULTS["batch_size"]])
    parser.add_argument("--kind", choices=("vae", "ccvae"), default="ccvae")
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}, {args.kind}, 20x20 grid, {args.n} layouts per timed epoch")
    print(f"{'architecture':<18} {'params':>10} {'threads':>7} {'batch':>5} {'samples/s':>10} "
          f"{'s/epoch@50k':>11}")
    for name, arch in ARCHITECTURES.items():
        for threads in args.threads:
            for bs in args.batch_size:
                row = measure(arch, args.n, bs, threads, args.kind)
                print(f"{name:<18} {row['params']:>10,} {threads:>7} {bs:>5} {row['samples_per_s']:>10.0f} "
                      f"{row['s_per_epoch_50k']:>11.1f}", flush=True)


if __name__ == "__main__":
    main()
