"""``python -m latentga train``: train the VAE or CCVAE of a config on its dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "main"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        epilog="example: python -m latentga train configs/ccvae_gd.yaml --out models/ccvae.pt",
        help="train the config's VAE/CCVAE on its dataset (built first if missing)",
        description="Train the model of a run config (its `model` section) on the config's "
        "dataset. Writes the model file, metrics.csv (accuracy, precision, recall; MAE, MAPE "
        "for the CCVAE), history.csv and loss_curve.png.",
    )
    p.add_argument("config", nargs="?", help="run config YAML (default: built-in)")
    p.add_argument("--kind", choices=("vae", "ccvae"), help="model kind (config model.kind)")
    p.add_argument("--epochs", type=int, help="maximum epochs (config model.epochs)")
    p.add_argument("--out", type=Path,
                   help="model file to write; metrics go to a folder of the same name "
                   "(default: the config's cache folder, where `run` finds it)")
    p.add_argument("--workers", type=int, default=None, help="processes for building the dataset")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads for training (default: torch's choice, usually all cores)")
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    from latentga.config import load_config
    from latentga.pipeline import ensure_dataset, ensure_model, model_path

    overrides: dict = {"model": {}}
    if args.kind:
        overrides["model"]["kind"] = args.kind
    if args.epochs is not None:
        overrides["model"]["epochs"] = args.epochs
    config = load_config(args.config, overrides=overrides)
    dataset = ensure_dataset(config, workers=args.workers)
    if args.out is None:
        ensure_model(config, dataset=dataset, threads=args.threads)
        path = model_path(config, dataset)
        print(f"model: {path}\nmetrics: {path.with_suffix('')}/metrics.csv")
        return 0
    from latentga.models import save_model, train_model

    result = train_model(dataset.layouts, dataset.fitness, config.model, seed=config.dataset.seed,
                         out_dir=args.out.with_suffix(""), threads=args.threads)
    save_model(result.model, args.out)
    print(result.metrics.to_string(index=False))
    print(f"model: {args.out}")
    return 0
