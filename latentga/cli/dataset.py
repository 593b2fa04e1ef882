"""``python -m latentga dataset``: random layouts with exactly k firebreaks and their fitness."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "main"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dataset",
        epilog="example: python -m latentga dataset --n 5000 --out data/sub20x20_5k.npz",
        help="build the labelled dataset: random k-firebreak layouts and their simulated fitness",
        description="Draw N random layouts with exactly K firebreaks and score each on the same "
        "fires (common random numbers). Stored bit-packed in one .npz with the settings used; "
        "re-running with the same settings reuses the file.",
    )
    p.add_argument("config", nargs="?", help="run config YAML to take defaults from (default: built-in)")
    p.add_argument("--n", type=int, help="number of layouts (config dataset.n)")
    p.add_argument("--firebreaks", type=int, help="firebreaks per layout, k (config firebreaks)")
    p.add_argument("--fires", type=int, help="fires per layout label (config dataset.n_fires)")
    p.add_argument("--seed", type=int, help="seed of the random layouts (config dataset.seed)")
    p.add_argument("--fire-seed", type=int, help="seed of the fires, as Cell2Fire's --seed (config simulator.seed)")
    p.add_argument("--landscape", help="Cell2Fire instance folder (default: built-in Sub20x20)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--out", type=Path, help="output .npz (default: the cache folder of the config)")
    p.set_defaults(func=main)
    return p


def config_from_args(args):
    from latentga.config import load_config

    overrides: dict = {"dataset": {}, "simulator": {}}
    if args.n is not None:
        overrides["dataset"]["n"] = args.n
    if args.fires is not None:
        overrides["dataset"]["n_fires"] = args.fires
    if args.seed is not None:
        overrides["dataset"]["seed"] = args.seed
    if args.fire_seed is not None:
        overrides["simulator"]["seed"] = args.fire_seed
    if args.firebreaks is not None:
        overrides["firebreaks"] = args.firebreaks
    if args.landscape is not None:
        overrides["landscape"] = args.landscape
    from latentga.cli import check_seeds

    check_seeds(overrides)  # before validation, so the message names this command's own flags
    return load_config(args.config, overrides=overrides)


def main(args) -> int:
    from latentga.dataset import load_or_build_dataset
    from latentga.errors import ConfigError
    from latentga.pipeline import ensure_dataset, make_simulator

    config = config_from_args(args)
    if args.out is not None:
        from latentga.runs.folder import check_output_folder

        if args.out.is_dir():
            raise ConfigError(f"--out {args.out} is a folder; give the path of the .npz file to write")
        check_output_folder(args.out.parent, "folder of --out")
    if args.out is None:
        dataset = ensure_dataset(config, workers=args.workers)
    else:
        ds = config.dataset
        simulator = make_simulator(config, n_fires=ds.n_fires)
        dataset = load_or_build_dataset(args.out, simulator, n=ds.n, k=config.firebreaks,
                                        seed=ds.seed, workers=args.workers, user_named=True)
    print(dataset.summary())
    return 0
