"""``python -m latentga compare CONFIG``: the GA variants and the baselines side by side, seed by seed.

The same comparison as ``benchmarks/compare.py`` (which calls this module), as an installed
command. Every (method, seed) is one task; under SCOOP (``python -m scoop -n 16 -m latentga
compare CONFIG``) the tasks are spread over the workers and the numbers do not depend on how
many there are. Each finished task is kept in ``OUT/tasks/``, so ``--resume`` after an
interruption runs only the tasks still missing, with the same numbers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the CLI imports lazily
    from latentga.comparison.config import CompareConfig

__all__ = ["add_parser", "add_arguments", "main", "default_config", "only_methods"]

_REPO_CONFIG = Path(__file__).resolve().parents[2] / "configs" / "compare.yaml"


def default_config() -> Path | None:
    """``configs/compare.yaml`` of the checkout this package runs from, if there is one."""
    return _REPO_CONFIG if _REPO_CONFIG.is_file() else None


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("config", nargs="?", type=Path, default=None,
                   help="comparison config YAML (default: configs/compare.yaml of the checkout)")
    p.add_argument("--quick", action="store_true", help="a tiny version (about a minute): 2 seeds, "
                   "small dataset/model, 10 individuals, 3 generations")
    p.add_argument("--out", type=Path, help="output folder (default: the config's output.dir)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a comparison config value, e.g. --set run.ga.generations=5 (repeatable)")
    p.add_argument("--resume", action="store_true",
                   help="keep the tasks an interrupted comparison in the same --out finished (OUT/tasks/) "
                   "and run only the missing ones; same numbers as an uninterrupted comparison")
    p.add_argument("--tune-vanilla", action="store_true",
                   help="sweep the vanilla GA's rates on the tuning seeds instead of comparing")
    p.add_argument("--only", metavar="METHODS", help="run only these comma-separated methods (GA variants and "
                   "baselines by name), e.g. --only memetic,dpv_greedy")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def only_methods(config: CompareConfig, names: list[str]) -> CompareConfig:
    """``config`` with only the named GA variants and baselines (one error naming an unknown one);
    a subset of a checked config needs no new checks."""
    import dataclasses

    from latentga.errors import ConfigError
    from latentga.schema import freeze

    names = [n.strip() for n in names if n.strip()]
    known = [*config.variants, *config.baselines]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ConfigError(f"--only: {', '.join(unknown) or 'no method'} is not a method of this comparison; "
                          f"it has: {', '.join(known)}")
    return dataclasses.replace(config, variants=freeze({k: v for k, v in config.variants.items() if k in names}),
                               baselines=freeze({k: (on and k in names) for k, on in config.baselines.items()}))


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "compare",
        epilog="example: python -m latentga compare configs/compare.yaml --quick",
        help="compare GA variants and baselines seed by seed (held-out fitness, Welch tests, report)",
        description="Run every (method, seed) of a comparison config and write tidy.csv, summary.csv/.md, "
        "welch.csv, models.csv, best_layouts.npz, the chosen plan (plan.csv, plan.asc), burn-probability "
        "maps on the held-out fires, the figures and report.html to the output folder.",
    )
    add_arguments(p)
    p.set_defaults(func=main)
    return p


def main(args) -> int:
    from latentga.comparison import load_compare_config, run_comparison, write_outputs
    from latentga.comparison.runner import print_summary
    from latentga.comparison.store import STORE_NAME, TaskStore
    from latentga.errors import ConfigError
    from latentga.parallel import parallel_map

    path = args.config if args.config is not None else default_config()
    if path is None:
        raise ConfigError("compare needs a comparison config: give CONFIG (e.g. configs/compare.yaml of the "
                          "latentga repository)")
    config = load_compare_config(path, quick=args.quick, overrides=args.overrides)
    if getattr(args, "only", None):
        config = only_methods(config, args.only.split(","))
    out = args.out if args.out is not None else Path(config.output.dir)
    if args.tune_vanilla:
        from latentga.comparison.tuning import tune_vanilla

        t0 = time.perf_counter()
        table = tune_vanilla(config, out / "vanilla_tuning.csv", progress=not args.quiet)
        print(table.head(10).to_string(index=False))
        print(f"wall {time.perf_counter() - t0:.1f}s; table in {out / 'vanilla_tuning.csv'}")
        return 0
    args.resume_command = resume_command(path, out, args)
    if args.resume and not (out / STORE_NAME).is_dir():
        raise ConfigError(f"nothing to resume in {out} (no {STORE_NAME}/ folder of finished tasks); run without "
                          "--resume, or give the --out of the interrupted comparison")
    comparison = run_comparison(config, map_fn=parallel_map(), progress=not args.quiet, store=TaskStore(out),
                                resume=args.resume)
    paths = write_outputs(comparison, config, out)
    print_summary(comparison, config)
    print(f"wall {comparison.seconds:.1f}s; results in {paths['summary'].parent}")
    return 0


def resume_command(path, out, args) -> str:
    """The command that continues this comparison after an interruption (printed on Ctrl-C)."""
    import shlex

    words = ["python", "-m", "latentga", "compare", str(path), "--out", str(out), "--resume"]
    if args.quick:
        words.append("--quick")
    if getattr(args, "only", None):
        words += ["--only", args.only]
    for override in args.overrides or ():
        words += ["--set", override]
    return " ".join(shlex.quote(w) for w in words)
