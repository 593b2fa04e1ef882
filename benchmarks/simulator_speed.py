"""Speed of the built-in fire simulator (one process, one core), and of the real Cell2Fire.

Prints fires per second per core and cells burned per second on the default landscape
(Sub20x20) for one layout of 20 firebreaks at a time and for a batch, the dataset throughput
(layouts x fires / s), the same on the real 223x357 Dogrib landscape (``../shared/reference/dogrib``,
when present), and, when the real binary is present, its rate on the same fires and the ratio.
Then the other fuel models, one layout of 1 % of the burnable cells each, against the binary
run with the same flags (``--sim K`` / ``--sim S``): Portezuelo (Kitral, 80x80, from its ignition
file), vilo100 (Scott & Burgan, 100x100, from its ignition file) and Zona_60 (Scott & Burgan,
597x658, fires anywhere, 998 weather files), from ``tests/data/golden/instances`` or
``../shared/reference``.

    python benchmarks/simulator_speed.py [--fires 1000] [--layouts 200] [--dogrib-fires 300]
                                         [--fuel-fires 200] [--fuel-binary-fires 10] [--only-fuels]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from latentga.layouts import random_layouts  # noqa: E402
from latentga.simulator import FireSimulator  # noqa: E402


def _rate(fn, work: int, min_time: float = 1.0) -> tuple[float, float]:
    """Best-of-3 rates (work units per second) of ``fn``: by wall clock and by this process's
    CPU time (the honest per-core figure when other jobs share the machine)."""
    fn()  # warm-up (compilation, tables)
    best_wall = best_cpu = 0.0
    for _ in range(3):
        t0, c0, reps = time.perf_counter(), time.process_time(), 0
        while True:
            fn()
            reps += 1
            dt = time.perf_counter() - t0
            if dt >= min_time:
                break
        best_wall = max(best_wall, reps * work / dt)
        best_cpu = max(best_cpu, reps * work / max(time.process_time() - c0, 1e-9))
    return best_wall, best_cpu


def _num(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def _fmt(rates: tuple[float, float], unit: str = "fires/s/core") -> str:
    return f"{_num(rates[0])} {unit} (wall clock), {_num(rates[1])} (CPU time)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fires", type=int, default=1000)
    ap.add_argument("--layouts", type=int, default=200, help="batch size for the dataset throughput")
    ap.add_argument("--dataset-fires", type=int, default=100)
    ap.add_argument("--binary-fires", type=int, default=300)
    ap.add_argument("--dogrib-fires", type=int, default=300, help="fires per call on Dogrib (0 = skip)")
    ap.add_argument("--fuel-fires", type=int, default=200, help="fires per call on the Kitral / S&B landscapes "
                    "(Zona_60: a quarter of it; 0 = skip)")
    ap.add_argument("--fuel-binary-fires", type=int, default=10, help="fires the binary runs per K / S&B landscape")
    ap.add_argument("--only-fuels", action="store_true", help="only the Kitral / S&B rows")
    args = ap.parse_args(argv)
    try:  # measure one core
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    rng = np.random.default_rng(0)
    if args.only_fuels:
        return _fuel_models(args, np.random.default_rng(1))
    t0 = time.perf_counter()
    sim = FireSimulator(n_fires=args.fires)
    one = random_layouts(1, sim.shape, 20, rng)
    sim.evaluate(one)
    print(f"first call (tables + compiled kernels from cache): {time.perf_counter() - t0:.2f} s")
    single = _rate(lambda: sim.evaluate(one), args.fires)
    cells = float(sim.burned_counts(one).mean())
    print(f"one layout of 20 firebreaks, {args.fires} fires: {_fmt(single)}; "
          f"{cells:.0f} cells burned per fire = {_fmt((single[0] * cells, single[1] * cells), 'cells burned/s')}")
    batch = random_layouts(20, sim.shape, 20, rng)
    batched = _rate(lambda: sim.evaluate(batch), args.fires * len(batch))
    print(f"batch of {len(batch)} layouts x {args.fires} fires: {_fmt(batched)}")
    ds_sim = FireSimulator(n_fires=args.dataset_fires)
    lays = random_layouts(args.layouts, sim.shape, 20, rng)
    ds = _rate(lambda: ds_sim.evaluate(lays), args.layouts * args.dataset_fires, min_time=0.5)
    print(f"dataset throughput ({args.layouts} layouts x {args.dataset_fires} fires per call): "
          f"{_fmt(ds, 'layout-fires/s')} = {ds[0] / args.dataset_fires:,.0f} layouts/s/core")
    empty = np.zeros(sim.shape, bool)
    nofb = _rate(lambda: sim.evaluate(empty), args.fires)
    print(f"no firebreaks, {args.fires} fires: {_fmt(nofb)}")

    from fidelity import find_binary, run_cell2fire, shared_dir

    dogrib = _dogrib(args.dogrib_fires, rng) if args.dogrib_fires > 0 else None
    binary, why = find_binary()
    if binary is None or shared_dir() is None:
        print(f"real Cell2Fire: skipped ({why or 'no shared/reference/Sub20x20'}); no ratio to Cell2Fire")
        return _fuel_models(args, np.random.default_rng(1))
    inst = shared_dir() / "reference" / "Sub20x20"
    t0, c0 = time.perf_counter(), os.times()
    run_cell2fire(binary, inst, one, args.binary_fires, workers=1)
    dt, c1 = time.perf_counter() - t0, os.times()
    cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    rate_bin = (args.binary_fires / dt, args.binary_fires / max(cpu, 1e-9))
    print(f"real Cell2Fire, same layout, {args.binary_fires} fires (final grids written): "
          f"{_fmt(rate_bin, 'fires/s')}")
    print(f"ratio, one layout: {single[0] / rate_bin[0]:,.0f}x (wall), {single[1] / rate_bin[1]:,.0f}x (CPU); "
          f"batch: {batched[0] / rate_bin[0]:,.0f}x (wall), {batched[1] / rate_bin[1]:,.0f}x (CPU)")
    if dogrib is not None:
        dsim, dlay, drate = dogrib
        n_bin = max(1, min(args.binary_fires, 30))
        t0, c0 = time.perf_counter(), os.times()
        try:
            run_cell2fire(binary, shared_dir() / "reference" / "dogrib", dlay, n_bin, workers=1)
        except Exception as exc:  # the binary cannot run this instance here: say why
            print(f"real Cell2Fire on Dogrib: failed ({exc})")
            return 0
        dt, c1 = time.perf_counter() - t0, os.times()
        cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
        rb = (n_bin / dt, n_bin / max(cpu, 1e-9))
        print(f"real Cell2Fire on Dogrib, same layout, {n_bin} fires: {_fmt(rb, 'fires/s')}; ratio "
              f"{drate[0] / rb[0]:,.0f}x (wall), {drate[1] / rb[1]:,.0f}x (CPU)")
    return _fuel_models(args, np.random.default_rng(1))


#: (instance folder, C2F-W --sim, FireSimulator keywords, binary flags) of the Kitral / S&B rows
_FUEL_CASES = [("Portezuelo", "K", {}, ["--weather", "rows", "--ignitions", "--IgnitionRad", "4"]),
               ("vilo100", "S", {}, ["--weather", "rows", "--ignitions", "--IgnitionRad", "4"]),
               ("Zona_60", "S", {"n_weathers": 998}, ["--weather", "random", "--nweathers", "998"])]


def _instance_folder(name: str) -> Path | None:
    from fidelity import shared_dir

    for base in (Path(__file__).resolve().parents[1] / "tests" / "data" / "golden" / "instances",
                 (shared_dir() or Path("/nonexistent")) / "reference"):
        if (base / name).is_dir():
            return base / name
    return None


def _binary_rate(binary, folder: Path, sim_flag: str, flags: list, layout: np.ndarray, n: int):
    """The real binary's (wall, CPU) fires/s on ``n`` fires of ``layout``, final grids written."""
    import shutil
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="latentga-speed-") as tmp:
        inst, out = Path(tmp) / "inst", Path(tmp) / "out"
        shutil.copytree(folder, inst)
        out.mkdir()
        ids = np.flatnonzero(layout.ravel()) + 1
        fb = Path(tmp) / "fb.csv"
        fb.write_text("Year Number,Cell Numbers\n1," + ",".join(map(str, ids.tolist())) + "\n")
        cmd = [str(binary), "--input-instance-folder", f"{inst}{os.sep}", "--output-folder", f"{out}{os.sep}",
               "--sim-years", "1", "--nsims", str(n), "--Fire-Period-Length", "1.0", "--ROS-CV", "0.0",
               "--seed", "123", "--sim", sim_flag, "--final-grid", "--FirebreakCells", str(fb), *flags]
        t0, c0 = time.perf_counter(), os.times()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt, c1 = time.perf_counter() - t0, os.times()
    cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    return n / dt, n / max(cpu, 1e-9)


def _fuel_models(args, rng) -> int:
    """Kitral and Scott & Burgan rows: our rate, cells burned, the binary's rate and the ratio."""
    from fidelity import find_binary

    from latentga.simulator import load_landscape

    if args.fuel_fires <= 0:
        return 0
    binary, why = find_binary()
    for name, sim_flag, kw, flags in _FUEL_CASES:
        folder = _instance_folder(name)
        if folder is None:
            print(f"{name}: skipped (not in tests/data/golden/instances nor shared/reference)")
            continue
        n = args.fuel_fires if name != "Zona_60" else max(1, args.fuel_fires // 4)
        t0 = time.perf_counter()
        sim = FireSimulator(load_landscape(folder), n_fires=n, seed=123, **kw)
        burnable = np.flatnonzero(sim.tables.burnable)
        lay = np.zeros(sim.n_cells, bool)
        lay[rng.choice(burnable, size=len(burnable) // 100, replace=False)] = True
        lay = lay.reshape(sim.shape)
        sim.evaluate(lay)
        first = time.perf_counter() - t0
        rate = _rate(lambda: sim.evaluate(lay), n)
        cells = float(sim.burned_counts(lay).mean())
        print(f"{name} ({sim.landscape.fuel_model}, {sim.shape[0]}x{sim.shape[1]}, {len(burnable):,} burnable), "
              f"one layout of {int(lay.sum())} firebreaks (1 %), {n} fires: {_fmt(rate)}; "
              f"{cells:,.0f} cells burned per fire; first call {first:.1f} s")
        if binary is None:
            print(f"  real Cell2Fire: skipped ({why}); no ratio")
            continue
        nb = args.fuel_binary_fires if name != "Zona_60" else max(1, args.fuel_binary_fires // 2)
        rb = _binary_rate(binary, folder, sim_flag, flags, lay, nb)
        print(f"  real Cell2Fire --sim {sim_flag}, same layout, {nb} fires: {_fmt(rb, 'fires/s')}; ratio "
              f"{rate[0] / rb[0]:,.0f}x (wall), {rate[1] / rb[1]:,.0f}x (CPU)")
    return 0


def _dogrib(n_fires: int, rng):
    """Dogrib's rates (fires/s/core and cells burned/s) for one layout of 1 % of its burnable cells,
    fires from its ignition file; None when the team folder is absent."""
    from fidelity import shared_dir

    from latentga.simulator import load_landscape

    shared = shared_dir()
    folder = shared / "reference" / "dogrib" if shared else None
    if folder is None or not folder.is_dir():
        print("Dogrib: skipped (no shared/reference/dogrib)")
        return None
    t0 = time.perf_counter()
    sim = FireSimulator(load_landscape(folder), n_fires=n_fires)
    burnable = np.flatnonzero(sim.tables.burnable)
    lay = np.zeros(sim.n_cells, bool)
    lay[rng.choice(burnable, size=len(burnable) // 100, replace=False)] = True
    lay = lay.reshape(sim.shape)
    sim.evaluate(lay)
    print(f"Dogrib {sim.shape[0]}x{sim.shape[1]} ({len(burnable):,} burnable cells): first call "
          f"{time.perf_counter() - t0:.2f} s")
    rate = _rate(lambda: sim.evaluate(lay), n_fires)
    cells = float(sim.burned_counts(lay).mean())
    print(f"Dogrib, one layout of {int(lay.sum())} firebreaks (1 %), {n_fires} fires: {_fmt(rate)}; "
          f"{cells:,.0f} cells burned per fire = {_fmt((rate[0] * cells, rate[1] * cells), 'cells burned/s')}")
    return sim, lay, rate


if __name__ == "__main__":
    raise SystemExit(main())
