"""A problem of your own through latentga's engine: pick 5 of 36 weighted cells (known optimum).

Runs the same ``run_ga`` as ``python -m latentga run``: vanilla operators, checkpoints, and
SCOOP when started under it::

    python examples/k_subset.py
    python -m scoop -n 2 examples/k_subset.py
    python examples/k_subset.py --out /tmp/ksub        # checkpointed; add --resume to continue
"""

from __future__ import annotations

import argparse
import json

from latentga.parallel import setup_process

setup_process()  # one thread per SCOOP worker, before numpy/numba/torch start their pools

import numpy as np  # noqa: E402

from latentga.config import load_config  # noqa: E402
from latentga.ga import run_ga  # noqa: E402
from latentga.problems import KSubsetProblem  # noqa: E402

CONFIG = {
    "name": "k_subset",
    "seed": 3,
    "ga": {"population": 30, "generations": 40, "elite": 2, "chunk_size": 10},
    "operators": {"mate": {"name": "cx_uniform", "params": {"indpb": 0.5}},
                  "mutate": {"name": "mut_flip", "params": {"indpb": 0.02}}},
}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="checkpoint folder (default: none)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument("--generations", type=int, default=40)
    args = parser.parse_args(argv)
    config = load_config(None, {**CONFIG, "ga": {**CONFIG["ga"], "generations": args.generations}})
    problem = KSubsetProblem.random((6, 6), k=5, seed=1)
    _, logbook, hof = run_ga(config, problem, out_dir=args.out, resume=args.resume, progress=False)
    result = {"best": hof[0].fitness.values[0], "optimum_found": bool(np.array_equal(hof[0], problem.optimum())),
              "best_so_far": logbook.select("best_so_far"), "evaluations": logbook[-1]["evaluations"]}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
