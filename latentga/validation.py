"""Checks on what a value means, and on sizes before anything is allocated.

Why one module: type checks were everywhere, but a layout of 0.5s, a NaN weight, a ``.npy``
header claiming terabytes or a YAML alias tree that expands to billions of nodes passed them
and failed late (a traceback, an out-of-memory kill) or silently (a wrong fitness). Callers in
the reading code stay one line each; the messages name the file and the fix.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from latentga.errors import ConfigError, LatentGAError

__all__ = ["MAX_CONFIG_NODES", "expanded_size", "check_expanded_size", "npy_header", "load_npy",
           "check_zero_one", "check_seed", "checked_workers", "SEED_MAX"]

LOGGER = logging.getLogger("latentga.validation")

#: Nodes a config may hold once its YAML aliases are expanded (a real config has a few hundred).
MAX_CONFIG_NODES = 100_000
SEED_MAX = 2**32 - 1  # NumPy's and Cell2Fire's seeds are unsigned 32-bit


def expanded_size(data: Any, limit: int = MAX_CONFIG_NODES) -> int:
    """Nodes of ``data`` with every shared (aliased) mapping or list counted each time it is used,
    computed once per object, so an alias bomb is measured without being expanded. Stops counting
    past ``limit``."""
    memo: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, (Mapping, list, tuple)):
            return 1
        key = id(node)
        if key in memo:
            return memo[key]
        if depth > 100:
            raise ConfigError("config is nested more than 100 levels deep; flatten it")
        memo[key] = limit + 1  # a cycle (a YAML alias to its own ancestor) counts as too big
        items = node.values() if isinstance(node, Mapping) else node
        total = 1
        for child in items:
            total += size(child, depth + 1)
            if total > limit:
                break
        memo[key] = min(total, limit + 1)
        return memo[key]

    return size(data, 0)


def check_expanded_size(data: Any, source: str, limit: int = MAX_CONFIG_NODES) -> None:
    """One ConfigError when ``data`` (parsed YAML) expands to more than ``limit`` nodes."""
    if expanded_size(data, limit) > limit:
        raise ConfigError(f"{source} expands to more than {limit:,} values (YAML aliases repeating aliases, or a "
                          "cycle); write the values out plainly")


def npy_header(path: str | os.PathLike, error: type[LatentGAError], fix: str,
               what: str = "array") -> tuple[tuple, np.dtype, bool]:
    """``(shape, dtype, fortran_order)`` of a ``.npy`` file, after checking that the file holds
    every byte the header claims (so a header claiming TiBs fails before any allocation, and a
    0-byte or truncated file fails with one line). ``what`` names the contents in messages."""
    path = Path(path)
    head = f"cannot read {what} from {path}"
    size = None
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            reader = {(1, 0): np.lib.format.read_array_header_1_0,
                      (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if reader is None:
                raise ValueError(f"unsupported .npy version {version}")
            shape, fortran, dtype = reader(fh, max_header_size=10_000)
            offset = fh.tell()
    except FileNotFoundError:
        raise error(f"{head}: the file does not exist; {fix}") from None
    except IsADirectoryError:
        raise error(f"{head}: it is a folder, not a .npy file; {fix}") from None
    except (OSError, ValueError, EOFError, SyntaxError, TypeError) as exc:
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        if size == 0:
            reason = "the file is empty"
        raise error(f"{head}: not a readable .npy file ({reason}); {fix}") from None
    if dtype.hasobject:
        raise error(f"{head}: it holds Python objects, which latentga never loads (allow_pickle=False: they "
                    f"could run code); {fix}")
    need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if need != size - offset:
        raise error(f"{head}: the file is truncated or damaged (its header says {_human(need)} of data, the "
                    f"file holds {_human(size - offset)}); {fix}")
    return tuple(shape), dtype, fortran


def load_npy(path: str | os.PathLike, error: type[LatentGAError], fix: str, what: str = "array") -> np.ndarray:
    """``np.load`` of a ``.npy`` after :func:`npy_header` (no pickles, no oversized allocations)."""
    npy_header(path, error, fix, what)
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise error(f"cannot read {what} from {path} ({str(exc).splitlines()[0][:160]}); {fix}") from None
    except MemoryError:
        raise error(f"cannot read {what} from {path}: too big for this machine's memory; {fix}") from None


def _human(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def check_zero_one(arr: np.ndarray, name: str, error: type[LatentGAError]) -> None:
    """One error unless a numeric array holds only 0 and 1 (a firebreak is there or not: 0.5, NaN
    and inf are refused instead of being read as "nonzero")."""
    if arr.dtype != bool and arr.size and not ((arr == 0) | (arr == 1)).all():
        bad = arr[(arr != 0) & (arr != 1)].flat[0]
        raise error(f"{name} holds {bad!r}, but a layout cell is 0 (no firebreak) or 1 (firebreak); "
                    "give 0/1 or boolean layouts")


def check_seed(value: int, option: str) -> int:
    """``value`` when it is a seed NumPy and Cell2Fire take (0 to 2**32 - 1), else one ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= SEED_MAX:
        raise ConfigError(f"{option} = {value!r} must be an integer from 0 to {SEED_MAX}; give e.g. {option} 123")
    return int(value)


def checked_workers(workers: int, what: str = "--workers") -> int:
    """A process count to use: at least 1 (else one ConfigError), and at most four per available
    core (more only costs memory, ~300 MB each; capped with a warning on stderr)."""
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ConfigError(f"{what} = {workers!r} must be 1 or more (the number of processes)")
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    cap = 4 * cores
    if workers > cap:
        LOGGER.warning("warning: %s %s is more than 4 per core; using %d (%d cores)", what, workers, cap, cores)
        return cap
    return int(workers)
