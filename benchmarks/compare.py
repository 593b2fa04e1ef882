"""Compare the GA variants and the baselines on one landscape, seed by seed (report Figure 5).

    python -m scoop -n 16 benchmarks/compare.py [CONFIG] [--quick] [--out DIR] [--set KEY=VALUE]
    python benchmarks/compare.py --quick          # the same code on the builtin map (serial)
    python benchmarks/compare.py --tune-vanilla   # the vanilla GA's rate sweep (tuning seeds)

Every (method, seed) is one task; under SCOOP the tasks are spread over the workers, and the
numbers do not depend on how many there are. Writes tidy.csv, summary.csv/.md, best_layouts.npz,
convergence.png, heldout_vs_cost.png, best_layouts.png, config.yaml and report.html (all of it on
one page) to the output folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from latentga.parallel import parallel_map, setup_process  # noqa: E402

setup_process()  # SCOOP workers: one thread each, before torch or numba load

from latentga.errors import LatentGAError  # noqa: E402

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "compare.yaml"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", nargs="?", type=Path, default=None,
                   help=f"comparison config YAML (default: {DEFAULT_CONFIG.relative_to(DEFAULT_CONFIG.parents[1])})")
    p.add_argument("--quick", action="store_true", help="a tiny version (about a minute): 2 seeds, "
                   "small dataset/model, 10 individuals, 3 generations")
    p.add_argument("--out", type=Path, help="output folder (default: the config's output.dir)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a comparison config value, e.g. --set run.ga.generations=5 (repeatable)")
    p.add_argument("--tune-vanilla", action="store_true",
                   help="sweep the vanilla GA's rates on the tuning seeds instead of comparing")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from latentga.logs import configure

    configure()  # the library's progress lines (logging) on stdout
    args = parse_args(argv)
    from latentga.comparison import load_compare_config, run_comparison, write_outputs
    from latentga.comparison.runner import print_summary

    try:
        path = args.config if args.config is not None else DEFAULT_CONFIG
        config = load_compare_config(path, quick=args.quick, overrides=args.overrides)
        out = args.out if args.out is not None else Path(config["output"]["dir"])
        if args.tune_vanilla:
            from latentga.comparison.tuning import tune_vanilla

            t0 = time.perf_counter()
            table = tune_vanilla(config, out / "vanilla_tuning.csv", progress=not args.quiet)
            print(table.head(10).to_string(index=False))
            print(f"wall {time.perf_counter() - t0:.1f}s; table in {out / 'vanilla_tuning.csv'}")
            return 0
        comparison = run_comparison(config, map_fn=parallel_map(), progress=not args.quiet)
        paths = write_outputs(comparison, config, out)
    except LatentGAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_summary(comparison, config)
    print(f"wall {comparison.seconds:.1f}s; results in {paths['summary'].parent}")
    return 0


if __name__ == "__main__":
    code = main()
    if code:  # no SystemExit on success: SCOOP's root process would print it as a traceback
        sys.exit(code)
