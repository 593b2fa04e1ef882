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
#: each lever's own effect: (lever, variant with it, the same variant without it)
EFFECTS = [("no stalls", "fresh", "latent"), ("learn from good layouts", "fresh_learn", "fresh"),
           ("surrogate pre-screening", "fresh_screen", "fresh"), ("trust region", "fresh_trust", "fresh"),
           ("all four", "all", "latent"), ("learn, screen, trust on no stalls", "all", "fresh"),
           # the comparisons seeded from the parallel fuel-break lines (configs/compare_sub40.yaml, ..._dogrib_fires1000)
           ("latent gradient mutation on the lines-seeded memetic search", "latent_lines", "memetic_lines"),
           ("lines instead of greedy DPV as the memetic search's seed", "memetic_lines", "memetic"),
           ("no stalls on the lines-seeded latent search", "latent_lines_fresh", "latent_lines"),
           ("learn from good layouts (lines-seeded)", "latent_lines_learn", "latent_lines_fresh"),
           ("surrogate pre-screening (lines-seeded)", "latent_lines_screen", "latent_lines_fresh"),
           ("trust region (lines-seeded)", "latent_lines_trust", "latent_lines_fresh")]


def ablation_markdown(tidy, no_breaks: float | None = None,
                      references=("vanilla", "local_search", "dpv_greedy")) -> str:
    """The ablation tables from a comparison's tidy.csv: every method's held-out fitness, its
    burned-area cut (``no_breaks``: the empty layout's held-out fitness), fires and CPU; each
    lever's own effect (Welch); the latent variants against the best non-latent methods at equal
    fires and at equal CPU seconds (Welch)."""
    import numpy as np
    from scipy.stats import ttest_ind

    from latentga.comparison.aggregate import welch_frame

    last = tidy.sort_values("point").groupby(["method", "seed"], sort=False).tail(1)
    from latentga.cut import burned_area_cut

    has_cut = no_breaks is not None
    if has_cut:
        last = last.assign(heldout_cut=burned_area_cut(last["heldout"].to_numpy(), no_breaks))
    g = last.groupby("method", sort=False)
    lines = ["| method | runs | held-out fitness | " + ("held-out cut | " if has_cut else "") +
             "fires | CPU s |", "|---|---|---|" + ("---|" if has_cut else "") + "---|---|"]
    for method, rows in sorted(g, key=lambda kv: -kv[1]["heldout"].mean()):
        h = rows["heldout"]
        cut = f"{100 * rows['heldout_cut'].mean():.1f} % | " if has_cut else ""
        lines.append(f"| {method} | {len(rows)} | {h.mean():.4f} +- {h.std(ddof=1) if len(h) > 1 else 0:.4f} | {cut}"
                     f"{rows['fires'].mean():,.0f} | {rows['cpu_seconds'].mean():.1f} |")
    if has_cut:
        lines.append(f"\nNo firebreaks on the same held-out fires: {no_breaks:.4f} (cut = (f - f0) / (1 - f0)).")
    lines += ["", "Each lever's own effect (held-out, mean over seeds; Welch's t-test):", "",
              "| lever | with | without | difference | p |", "|---|---|---|---|---|"]
    for lever, on, off in EFFECTS:
        if on in g.groups and off in g.groups:
            a, b = g.get_group(on)["heldout"].to_numpy(), g.get_group(off)["heldout"].to_numpy()
            p = ttest_ind(a, b, equal_var=False).pvalue if len(a) > 1 and len(b) > 1 else np.nan
            lines.append(f"| {lever} ({on} vs {off}) | {a.mean():.4f} | {b.mean():.4f} | {a.mean() - b.mean():+.4f} | "
                         f"{p:.3g} |")
    for ref in references:
        if ref not in g.groups:
            continue
        if g.get_group(ref)["seed"].iloc[0] < 0:  # a deterministic baseline: one answer, a one-sample test
            from scipy.stats import ttest_1samp

            value = float(g.get_group(ref)["heldout"].iloc[0])
            lines += ["", f"Against {ref} ({value:.4f} held-out, one deterministic answer; one-sample t-test):", "",
                      "| method | held-out | difference | p |", "|---|---|---|---|"]
            for m in (m for m in g.groups if m not in references):
                a = g.get_group(m)["heldout"].to_numpy()
                p = ttest_1samp(a, value).pvalue if len(a) > 1 else np.nan
                lines.append(f"| {m} | {a.mean():.4f} | {a.mean() - value:+.4f} | {p:.3g} |")
            continue
        # welch_frame reads GA rows: the reference and every seeded method (searching baselines too)
        as_ga = tidy.assign(kind=np.where((tidy["method"] == ref) | (tidy["seed"] >= 0), "ga", tidy["kind"]))
        w = welch_frame(as_ga, reference=ref)
        if w.empty:
            continue
        w = w[w["method"].isin([m for m in g.groups if m not in references])]
        lines += ["", f"Against {ref} (at equal fires: final answers; at equal CPU: each run's answer after the "
                  f"CPU seconds {ref}'s slowest run needed):", "",
                  "| method | held-out | " + ref + " | p (equal fires) | held-out at equal CPU | " + ref +
                  " at equal CPU | p (equal CPU) |", "|---|---|---|---|---|---|---|"]
        for r in w.itertuples():
            lines.append(f"| {r.method} | {r.heldout_mean:.4f} | {r.reference_mean:.4f} | {r.p_equal_fires:.3g} | "
                         f"{r.heldout_at_cpu:.4f} | {r.reference_at_cpu:.4f} | {r.p_equal_cpu:.3g} |")
    return "\n".join(lines) + "\n"


def tune(config: dict, stage: dict, mapper, progress: bool) -> list[dict]:
    """Run every setting of ``stage`` on the tuning seeds; one row per setting."""
    from latentga.comparison.config import variant_config
    from latentga.comparison.tasks import Task, run_task

    tasks, keys = [], []
    for method, points in stage.items():
        for i, point in enumerate(points):
            for seed in TUNING_SEEDS:
                run = variant_config(config, method, seed, extra=point)
                tasks.append(Task("ga", method, int(seed), run, heldout=config.heldout,
                                  validation=config.validation, rescore=False))
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


def load_compare_config_data(data: dict):
    """A comparison config from the mapping a results folder's config.yaml holds."""
    from latentga.comparison.config import validate_compare_config

    return validate_compare_config(data)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config", nargs="?", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--quick", action="store_true", help="the config's quick section: a few minutes")
    p.add_argument("--out", type=Path, help="output folder (default: the config's output.dir)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--table", type=Path, metavar="DIR",
                   help="only (re)write DIR/ablation.md from DIR/tidy.csv of a finished ablation (or comparison)")
    p.add_argument("--reference", action="append", metavar="METHOD",
                   help="with --table: compare every other method against METHOD (repeatable; default: vanilla, "
                        "local_search, dpv_greedy)")
    args = p.parse_args(argv)
    import pandas as pd

    from latentga.io import write_text_atomic

    if args.table is not None:
        from latentga.comparison.runner import no_firebreak_fitness_by_role
        from latentga.config import read_yaml_mapping

        done = load_compare_config_data(read_yaml_mapping(args.table / "config.yaml"))
        refs = tuple(args.reference) if args.reference else ("vanilla", "local_search", "dpv_greedy")
        text = ablation_markdown(pd.read_csv(args.table / "tidy.csv"), no_firebreak_fitness_by_role(done)["heldout"],
                                 references=refs)
        write_text_atomic(args.table / "ablation.md", text)
        print(text)
        return 0

    from latentga.comparison import load_compare_config, run_comparison, write_outputs
    from latentga.comparison.runner import prepare_models, print_summary
    from latentga.config import merge
    from latentga.io import save_csv_atomic
    from latentga.schema import thaw

    progress = not args.quiet
    try:
        config = load_compare_config(args.config, quick=args.quick)
        out = args.out if args.out is not None else Path(config.output.dir)
        t0 = time.perf_counter()
        prepare_models(config, progress=progress)
        mapper = parallel_map()
        rows = []
        for number in sorted(GRIDS):
            variants = thaw(config.variants)  # the frozen config is re-derived with the winners below
            stage = {m: pts for m, pts in GRIDS[number].items() if m in variants}
            if number == 2 and "latent" in variants:  # levers on the tuned latent base
                base = best_point(rows, "latent", GRIDS[1])
                variants = {m: merge(v, base) if m in stage or m == "all" else v for m, v in variants.items()}
            if number == 3 and "all" in variants:  # every lever at its own winner
                for part in ALL_PARTS:
                    if part in variants:
                        variants["all"] = merge(variants["all"], best_point(rows, part, GRIDS[2]))
            config = config.replace(variants=variants)
            stage_rows = tune(config, stage, mapper, progress)
            for method in stage:
                variants[method] = merge(variants[method], best_point(stage_rows, method, stage))
            config = config.replace(variants=variants)
            rows += [{**r, "stage": number} for r in stage_rows]
        tuning = pd.DataFrame(rows)
        tuning_seconds = time.perf_counter() - t0
        comparison = run_comparison(config, map_fn=mapper, progress=progress)
        paths = write_outputs(comparison, config, out)
        save_csv_atomic(out / "tuning.csv", tuning)
        write_text_atomic(out / "ablation.md", ablation_markdown(comparison.tidy, comparison.no_breaks.get("heldout")))
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
