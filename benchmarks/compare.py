"""Compare the GA variants and the baselines on one landscape, seed by seed (report Figure 5).

    python -m scoop -n 16 benchmarks/compare.py [CONFIG] [--quick] [--out DIR] [--set KEY=VALUE]
    python benchmarks/compare.py --quick          # the same code on the builtin map (serial)
    python benchmarks/compare.py --tune-vanilla   # the vanilla GA's rate sweep (tuning seeds)
    python -m latentga compare [CONFIG] [--resume] # the same, as the installed command

Every (method, seed) is one task; under SCOOP the tasks are spread over the workers, and the
numbers do not depend on how many there are. Writes tidy.csv, summary.csv/.md, best_layouts.npz,
convergence.png, heldout_vs_cost.png, best_layouts.png, config.yaml and report.html (all of it on
one page) to the output folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, not installed

from latentga.parallel import record_origin_status, setup_process  # noqa: E402

setup_process()  # SCOOP workers: one thread each, before torch or numba load

from latentga.errors import LatentGAError  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from latentga.cli.compare import add_arguments

    return add_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0])).parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """The comparison of ``python -m latentga compare`` (this script keeps working as before)."""
    from latentga.cli.compare import main as compare
    from latentga.logs import configure

    configure()  # the library's progress lines (logging) on stdout
    args = parse_args(argv)
    try:
        return compare(args)
    except LatentGAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    code = main()
    record_origin_status(code)  # under `python -m latentga.scoop_run`: the launcher exits with it
    if code:  # no SystemExit on success: SCOOP's root process would print it as a traceback
        sys.exit(code)
