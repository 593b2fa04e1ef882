"""The latent levers' ablation (issue 21): tune every variant with the same budget, then compare.

    python -m scoop -n 2 benchmarks/latent_ablation.py [CONFIG] [--quick] [--out DIR]
    python benchmarks/latent_ablation.py --quick        # serial, a few minutes

Tuning (search fitness on tuning seeds 1000 and 1001, never the validation or held-out fires):
every GA variant gets 3 settings of its one knob. The latent base (CCVAE-GD) and vanilla first;
the single-lever variants then sit on the tuned latent base; ``all`` takes each lever's winner
and tunes the trust region's share. The tuned variants then run the comparison of CONFIG
(default configs/compare_latent.yaml), whose folder gets tuning.csv beside the usual outputs.
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

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "compare_latent.yaml"
TUNING_SEEDS = (1000, 1001)
LEARN = lambda n: {"latent": {"learn": {"samples": n, "perturbed": n}}}  # noqa: E731
GD = lambda s: {"operators": {"mutate": {"params": {"step_size": s}}}}  # noqa: E731
#: stage -> variant -> its 3 settings (overrides of the variant)
GRIDS = {
    1: {"vanilla": [{"operators": {"mutate": {"params": {"indpb": p}}}} for p in (0.0025, 0.01, 0.025)],
        "latent": [GD(s) for s in (0.1, 0.5, 2.0)]},
    2: {"fresh": [{"latent": {"redraws": r}} for r in (0, 2, 5)],
        "fresh_learn": [LEARN(n) for n in (50, 100, 200)],
        "fresh_screen": [{"latent": {"screen": {"candidates": m}}} for m in (4, 8, 16)],
        "fresh_trust": [{"latent": {"trust": {"share": s}}} for s in (0.25, 0.5, 1.0)]},
    3: {"all": [{"latent": {"trust": {"share": s}}} for s in (0.25, 0.5, 1.0)]},
}
#: which single-lever winner each part of ``all`` takes
ALL_PARTS = ("fresh", "fresh_learn", "fresh_screen")


def tune(config: dict, stage: dict, mapper, progress: bool) -> list[dict]:
    """Run every setting of ``stage`` on the tuning seeds; one row per setting."""
    from latentga.comparison.config import variant_config
    from latentga.comparison.tasks import Task, run_task
    from latentga.config import merge

    tasks, keys = [], []
    for method, points in stage.items():
        for i, point in enumerate(points):
            for seed in TUNING_SEEDS:
                run = variant_config({**config, "variants": {method: merge(config["variants"][method], point)}},
                                     method, seed)
                tasks.append(Task("ga", method, int(seed), run, heldout=config["heldout"],
                                  validation=config["validation"], rescore=False))
                keys.append((method, i))
    finals: dict = {}
    for key, res in zip(keys, mapper(run_task, tasks)):
        finals.setdefault(key, []).append((res.fitness, res.fires, res.cpu_seconds))
    rows = []
    for (method, i), vals in finals.items():
        f = [v[0] for v in vals]
        rows.append({"variant": method, "setting": repr(stage[method][i]), "index": i,
                     "final_mean": sum(f) / len(f), "fires_mean": sum(v[1] for v in vals) / len(vals),
                     "cpu_mean": sum(v[2] for v in vals) / len(vals)})
        if progress:
            print(f"  tune {method:<13} {stage[method][i]}  final best {rows[-1]['final_mean']:.4f}", flush=True)
    return rows


def best_point(rows: list[dict], method: str, stage: dict) -> dict:
    mine = [r for r in rows if r["variant"] == method]
    return stage[method][max(mine, key=lambda r: (r["final_mean"], -r["index"]))["index"]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", nargs="?", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--quick", action="store_true", help="the config's quick section: a few minutes")
    p.add_argument("--out", type=Path, help="output folder (default: the config's output.dir)")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    import pandas as pd

    from latentga.comparison import load_compare_config, run_comparison, write_outputs
    from latentga.comparison.runner import prepare_models, print_summary
    from latentga.config import merge
    from latentga.io import save_csv_atomic

    progress = not args.quiet
    try:
        config = load_compare_config(args.config, quick=args.quick)
        out = args.out if args.out is not None else Path(config["output"]["dir"])
        t0 = time.perf_counter()
        prepare_models(config, progress=progress)
        mapper = parallel_map()
        rows = []
        for number in sorted(GRIDS):
            stage = {m: pts for m, pts in GRIDS[number].items() if m in config["variants"]}
            if number == 2 and "latent" in config["variants"]:  # levers on the tuned latent base
                base = best_point(rows, "latent", GRIDS[1])
                config["variants"] = {m: merge(v, base) if m in stage or m == "all" else v
                                      for m, v in config["variants"].items()}
            if number == 3 and "all" in config["variants"]:  # every lever at its own winner
                for part in ALL_PARTS:
                    if part in config["variants"]:
                        config["variants"]["all"] = merge(config["variants"]["all"], best_point(rows, part, GRIDS[2]))
            stage_rows = tune(config, stage, mapper, progress)
            for method in stage:
                config["variants"][method] = merge(config["variants"][method], best_point(stage_rows, method, stage))
            rows += [{**r, "stage": number} for r in stage_rows]
        tuning = pd.DataFrame(rows)
        tuning_seconds = time.perf_counter() - t0
        comparison = run_comparison(config, map_fn=mapper, progress=progress)
        paths = write_outputs(comparison, config, out)
        save_csv_atomic(out / "tuning.csv", tuning)
    except LatentGAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(tuning.to_string(index=False))
    print_summary(comparison, config)
    print(f"tuning wall {tuning_seconds:.1f}s, comparison wall {comparison.seconds:.1f}s; results in "
          f"{paths['summary'].parent}")
    return 0


if __name__ == "__main__":
    code = main()
    if code:
        sys.exit(code)
