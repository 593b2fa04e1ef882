"""``python -m latentga run``: one GA run from a config, with checkpoints and a results folder."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI imports lazily
    from latentga.config import RunConfig

__all__ = ["add_parser", "main"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "run",
        epilog="example: python -m latentga run configs/vanilla.yaml --set ga.generations=20",
        help="run a GA (vanilla or with VAE/CCVAE latent operators) from a config",
        description="Run the GA a config describes (default: the built-in small CCVAE-GD run). "
        "Builds (or reuses from the cache) the dataset and model the operators need, checkpoints "
        "every generation, and writes logbook.csv, best_layouts.npy, best_layout.png, "
        "convergence.png, config.yaml, the checkpoint and run.json (manifest) to OUTPUT_DIR/NAME. "
        "Example: python -m latentga run configs/vanilla.yaml --out results/vanilla_seed1 --set seed=1",
    )
    p.add_argument("config", nargs="?", help="run config YAML (see configs/); default: built-in")
    p.add_argument("--resume", action="store_true",
                   help="continue the run from its checkpoint.npz (same result as an uninterrupted "
                   "run); with --out DIR and no CONFIG, the config saved in DIR is used")
    p.add_argument("--out", type=Path,
                   help="results folder of this run (default: output.dir/name); it belongs to one run: "
                   "a folder holding another run is refused unless --resume or --overwrite is given")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run in --out by this one (the old run is kept in --out/.previous "
                   "until the new run finishes, and put back if it fails)")
    p.add_argument("--trust-folder", action="store_true",
                   help="with --resume: accept the results folder as it is: the plug-ins and programs its "
                   "config.yaml names (without this flag, only those you pass with --set run) and files that "
                   "differ from its run.json")
    p.add_argument("--restore-previous", action="store_true",
                   help="with --out DIR: put back the run an --overwrite of DIR was replacing (kept in "
                   "DIR/.previous), dropping the unfinished replacement, and exit")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set ga.generations=5 (repeatable)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes for building the dataset, if it is not cached (default: all cores)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads for training and latent operators (default 1, which is fastest "
                   "when other jobs share the cores; 0 = torch's default, one per core)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=main)
    return p


def _folder_config(args) -> RunConfig:
    """The config saved in the results folder, read as data: it runs no plug-in or program the
    user did not name (:mod:`latentga.trust`)."""
    from latentga.config import merge, parse_overrides, read_yaml_mapping, validate_config
    from latentga.trust import check_folder_config

    source = args.out / "config.yaml"
    user = parse_overrides(args.overrides)
    data = merge(read_yaml_mapping(source, what="results folder config"), user)
    check_folder_config(data, user, str(source), trusted=args.trust_folder)
    return validate_config(data)


def _note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


def main(args) -> int:
    from latentga.config import load_config
    from latentga.errors import ConfigError
    from latentga.ga import CHECKPOINT_NAME, operators_need_model, run_ga
    from latentga.io import save_yaml_atomic
    from latentga.pipeline import ensure_dataset, ensure_model, make_simulator
    from latentga.runs.folder import check_output_folder, claim_run_folder, restore_previous
    from latentga.runs.results import checkpoint_hash, verify_for_resume, write_manifest, write_results

    if args.restore_previous:
        if args.out is None or args.resume or args.overwrite or args.config is not None:
            raise ConfigError("--restore-previous takes only --out DIR (the results folder to restore)")
        print(f"restored {restore_previous(args.out, checkpoint_name=CHECKPOINT_NAME)} in {args.out}")
        return 0
    if args.resume and args.out is not None and not (args.out / CHECKPOINT_NAME).is_file():
        raise ConfigError(f"no checkpoint {args.out / CHECKPOINT_NAME} to resume; run without --resume to "
                          "start the run (or point --out at the folder of the run to continue)")
    if args.resume and args.config is None and args.out is not None and (args.out / "config.yaml").is_file():
        config = _folder_config(args)  # continue a run from its own folder: --resume --out DIR
    else:
        config = load_config(args.config, overrides=args.overrides)
    if args.threads < 0:
        raise ConfigError(f"--threads must be 0 (torch's default) or more, got {args.threads}")
    if args.threads and operators_need_model(config.operators):
        import torch

        torch.set_num_threads(args.threads)
    out_dir = args.out if args.out is not None else Path(config.output.dir) / config.name
    check_output_folder(out_dir)
    args.resume_command = f"python -m latentga run --resume --out {shlex.quote(str(out_dir))}"
    progress = not args.quiet
    # the folder is ours (locked, checked) before any work; see latentga.runs.folder
    with claim_run_folder(out_dir, resume=args.resume, overwrite=args.overwrite, checkpoint_name=CHECKPOINT_NAME,
                          notify=_note):
        if args.resume and not args.trust_folder:
            verify_for_resume(out_dir)  # before any work: the checkpoint and results are the run's own
        simulator = make_simulator(config)
        need_model = operators_need_model(config.operators)
        dataset = model = None
        if need_model or config.ga.init != "random":  # init, the model, retraining and latent.learn use it
            dataset = ensure_dataset(config, progress=progress, workers=args.workers)
        if need_model:
            model = ensure_model(config, dataset=dataset, progress=progress)
        if not args.resume:  # a resumed run keeps its config.yaml until its checkpoint is accepted
            save_yaml_atomic(Path(out_dir) / "config.yaml", config)
        if progress:
            ops = config.operators
            print(f"run {config.name}: {ops.mate.name} + {ops.mutate.name} + "
                  f"{ops.select.name}, population {config.ga.population}, "
                  f"{config.ga.generations} generations, {simulator.settings.get('n_fires')} fires "
                  f"-> {out_dir}", flush=True)
        t0 = time.perf_counter()
        from latentga.problems import firebreak_problem

        def running(gen, population, hof, logbook) -> None:  # run.json: this folder's run is under way
            write_manifest(out_dir, config, "running", gen, checkpoint_hash(out_dir))

        from latentga.ga.algorithm import default_variation
        from latentga.search import search_hooks

        problem = firebreak_problem(config, simulator)
        # weighted retraining and the latent levers (docs/latent-levers.md); fires latent.learn spent
        # before the search are charged to ga.max_cost
        hooks, model, variation, spent = search_hooks(config, model, problem, dataset, progress=progress,
                                                      base_variation=default_variation)
        ga_config = config
        if spent and config.ga.max_cost:
            ga_config = config.replace(ga=config.ga.replace(max_cost=max(1, config.ga.max_cost - spent)))
        _, logbook, hof = run_ga(ga_config, problem, model, out_dir, resume=args.resume,
                                 progress=progress, dataset=dataset, on_generation=running, hooks=hooks,
                                 variation=variation)
        from latentga.context import plan_context

        context = plan_context(simulator, hof[0])  # the answer on fresh fires, beside no firebreaks
        paths = write_results(out_dir, config, logbook, hof, getattr(simulator, "landscape", None), simulator=simulator,
                              context=context)
    if progress:
        print(f"best fitness {hof[0].fitness.values[0]:.4f} on the {simulator.n_fires} search fires after "
              f"{logbook[-1]['gen']} generations, {logbook[-1]['evaluations']} layouts simulated "
              f"({logbook[-1]['cost']} fires), {time.perf_counter() - t0:.1f}s; "
              f"results in {paths['logbook'].parent}", flush=True)
        for line in context.lines() if context is not None else []:
            print(line, flush=True)
    return 0
