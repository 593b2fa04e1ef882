"""``python -m latentga analyze``: the latent-space experiments, each a figure plus its CSVs."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_parser", "main"]

_CHOICES = ("interpolation", "embeddings", "conditional", "interventions", "all")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "analyze",
        epilog="example: python -m latentga analyze interpolation --out results/analysis",
        help="latent-space experiments on a trained model: interpolation, embeddings, conditional, interventions",
        description="Run one of the reference report's latent-space experiments (or all) on a trained "
        "VAE/CCVAE and write its figure (PNG), the numbers behind it (CSV) and a short text report to "
        "--out. The model and dataset come from a run config through the cache (built and trained if "
        "missing), or from files given with --model/--dataset. Simulated fitness uses the fires the "
        "dataset was labelled with (--fires changes their number).",
    )
    p.add_argument("experiment", choices=_CHOICES, help="which experiment to run")
    p.add_argument("--config", help="run config YAML (default: built-in); gives model, dataset and simulator")
    p.add_argument("--model", type=Path, help="trained model file (.pt) instead of the config's cached model")
    p.add_argument("--dataset", type=Path, help="dataset file (.npz) instead of the config's cached dataset")
    p.add_argument("--vae-model", type=Path,
                   help="plain VAE to compare with in `embeddings` (with --config it is the config's "
                   "model with kind vae, trained if missing)")
    p.add_argument("--no-vae", action="store_true", help="embeddings: skip the VAE comparison")
    p.add_argument("--landscape", help="Cell2Fire folder the --dataset was simulated on (default: the config's)")
    p.add_argument("--out", type=Path, default=Path("results/analysis"), help="output folder (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of every random draw (default: %(default)s)")
    p.add_argument("--fires", type=int, help="fires per simulated fitness (default: the dataset's)")
    g = p.add_argument_group("interpolation")
    g.add_argument("--points", type=int, default=10, help="points on the line, ends included (default: %(default)s)")
    g = p.add_argument_group("embeddings")
    g.add_argument("--reduction", choices=("auto", "umap", "pca"), default="auto",
                   help="2-D map: auto = UMAP if umap-learn is installed, else PCA (default: %(default)s)")
    g.add_argument("--max-points", type=int, default=3000, help="layouts mapped (default: %(default)s)")
    g = p.add_argument_group("conditional")
    g.add_argument("--samples", type=int, default=1000, help="prior samples (default: %(default)s)")
    g.add_argument("--thresholds", type=float, nargs="+",
                   help="lambdas on predicted fitness (default: quantiles 0.5 0.9 0.99 0.999 of the "
                   "head's predictions on prior codes)")
    g.add_argument("--accept", type=int, default=200, help="accepted codes simulated per lambda (default: %(default)s)")
    g.add_argument("--max-candidates", type=int, default=500_000,
                   help="prior draws per lambda before giving up (default: %(default)s)")
    g = p.add_argument_group("interventions")
    g.add_argument("--layouts", type=int, default=100, help="dataset layouts moved (default: %(default)s)")
    g.add_argument("--iterations", type=int, default=100, help="steps (default: %(default)s)")
    g.add_argument("--step-size", type=float, default=0.1, help="Adam lr of the z_c steps (default: %(default)s)")
    g.add_argument("--direction-step", type=float, default=0.05,
                   help="share of z_best - z_worst per direction step (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=main)
    return p


def _inputs(args, need_vae: bool):
    """(config, dataset, model, vae or None, simulator) from the config cache or the given files."""
    from latentga.analysis.latent import simulator_for_dataset
    from latentga.config import load_config
    from latentga.dataset import Dataset
    from latentga.errors import ConfigError
    from latentga.models import load_model
    from latentga.pipeline import ensure_dataset, ensure_model, make_simulator

    if args.fires is not None and args.fires < 1:
        raise ConfigError(f"--fires must be at least 1, got {args.fires}")
    progress = not args.quiet
    config = load_config(args.config)
    dataset = Dataset.load(args.dataset) if args.dataset else ensure_dataset(config, progress=progress)
    device = config.model.device  # model files given on the command line load where the config says
    model = load_model(args.model, device=device) if args.model else ensure_model(config, dataset=dataset,
                                                                                  progress=progress)
    vae = None
    if need_vae and not args.no_vae:
        if args.vae_model:
            vae = load_model(args.vae_model, device=device)
        elif not args.model and model.is_conditional:
            vae_config = load_config(args.config, overrides={"model": {"kind": "vae"}})
            vae = ensure_model(vae_config, dataset=dataset, progress=progress)
    if args.dataset:
        simulator = simulator_for_dataset(dataset, landscape=args.landscape or config.landscape,
                                          n_fires=args.fires)
    else:
        simulator = make_simulator(config, n_fires=args.fires or config.dataset.n_fires)
    return config, dataset, model, vae, simulator


def _run(name: str, args, dataset, model, vae, simulator):
    from latentga import analysis

    if name == "interpolation":
        return analysis.run_interpolation(model, dataset, simulator, n_points=args.points)
    if name == "embeddings":
        models = {"ccvae" if model.is_conditional else "vae": model}
        if vae is not None and model.is_conditional:
            models["vae"] = vae
        return analysis.run_embeddings(models, dataset, seed=args.seed, max_points=args.max_points,
                                       reduction=args.reduction)
    if name == "conditional":
        return analysis.run_conditional(model, dataset, simulator, seed=args.seed, n_prior=args.samples,
                                        thresholds=args.thresholds, n_accept=args.accept,
                                        max_candidates=args.max_candidates)
    return analysis.run_interventions(model, dataset, simulator, seed=args.seed, n_layouts=args.layouts,
                                      iterations=args.iterations, step_size=args.step_size,
                                      direction_step=args.direction_step)


def main(args) -> int:
    from latentga.analysis import EXPERIMENTS
    from latentga.analysis.latent import require_conditional
    from latentga.io import write_text_atomic
    from latentga.validation import check_seed

    check_seed(args.seed, "--seed")  # before the inputs are built: NumPy refuses it only later
    names = EXPERIMENTS if args.experiment == "all" else (args.experiment,)
    _, dataset, model, vae, simulator = _inputs(args, need_vae="embeddings" in names)
    if args.experiment in ("conditional",):
        require_conditional(model, args.experiment)
    for name in names:
        if name == "conditional" and not model.is_conditional:
            print("conditional: skipped (the model is a plain VAE, it has no fitness head)")
            continue
        if not args.quiet:
            print(f"{name}: running ...", flush=True)
        result = _run(name, args, dataset, model, vae, simulator)
        text = result.report()
        paths = result.save(args.out) + [write_text_atomic(args.out / f"{name}.txt", text + "\n")]
        print(text)
        print("wrote " + ", ".join(str(p) for p in paths))
    return 0
