"""Firebreak layouts: validation, random generation and compact storage.

A layout is a boolean grid ``[H, W]`` (``True`` = firebreak); a batch is ``[B, H, W]``.
Everything downstream (simulator, dataset, models, operators) speaks this format, so the
checks live here once.
"""

from __future__ import annotations

import numpy as np

from latentga.errors import LayoutError
from latentga.validation import check_zero_one

__all__ = [
    "as_layout_batch",
    "check_budget",
    "random_layouts",
    "pack_layouts",
    "unpack_layouts",
    "layout_key",
    "burnable_cells",
    "off_fuel",
]


def as_layout_batch(layouts, shape: tuple[int, int] | None = None, name: str = "layout") -> np.ndarray:
    """Return ``layouts`` as a boolean array ``[B, H, W]`` (a single ``[H, W]`` becomes B=1).

    Ones (or True) are firebreaks; any value but 0 and 1 is refused. Raises :class:`LayoutError` naming the expected shape
    when the grid does not match ``shape`` (the landscape's ``(rows, cols)``).
    """
    try:
        arr = np.asarray(layouts)
    except Exception as exc:  # ragged lists and the like
        raise LayoutError(f"{name} is not an array of cells: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise LayoutError(f"{name} must hold numbers or booleans (nonzero = firebreak), got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise LayoutError(
            f"{name} must have shape [H, W] or [B, H, W], got {list(arr.shape)}"
            + (f"; this landscape needs [{shape[0]}, {shape[1]}]" if shape else "")
        )
    if shape is not None and tuple(arr.shape[1:]) != tuple(shape):
        raise LayoutError(
            f"{name} grid is {arr.shape[1]}x{arr.shape[2]} but the landscape is "
            f"{shape[0]}x{shape[1]}: build layouts of shape [{shape[0]}, {shape[1]}] "
            "(rows, cols) for this landscape"
        )
    check_zero_one(arr, name, LayoutError)
    return arr != 0


def check_budget(layouts: np.ndarray, k: int, name: str = "layout") -> None:
    """Raise :class:`LayoutError` unless every layout in the batch has exactly ``k`` firebreaks."""
    counts = np.asarray(layouts).reshape(len(layouts), -1).sum(axis=1)
    bad = np.flatnonzero(counts != k)
    if bad.size:
        i = int(bad[0])
        raise LayoutError(
            f"{name} {i} has {int(counts[i])} firebreaks but the budget is exactly {k}; "
            f"{bad.size} of {len(counts)} layouts are off budget (set the budget to match, "
            "or repair the layouts)"
        )


def random_layouts(n: int, shape: tuple[int, int], k: int, rng: np.random.Generator,
                   allowed: np.ndarray | None = None) -> np.ndarray:
    """Draw ``n`` layouts with exactly ``k`` firebreaks, uniformly among the allowed cells.

    ``allowed`` (bool ``[H, W]``) restricts where firebreaks may go (default: everywhere).
    Randomness comes only from ``rng``, so the same generator state gives the same layouts.
    """
    h, w = shape
    cells = np.flatnonzero(np.ones(h * w, bool) if allowed is None else np.asarray(allowed).ravel())
    if not 0 <= k <= cells.size:
        raise LayoutError(f"cannot place {k} firebreaks on {cells.size} allowed cells; lower the budget")
    out = np.zeros((n, h * w), dtype=bool)
    # argsort of uniform keys = an independent random k-subset per row, vectorized.
    keys = rng.random((n, cells.size))
    chosen = np.argpartition(keys, k - 1, axis=1)[:, :k] if k > 0 else np.empty((n, 0), int)
    np.put_along_axis(out, cells[chosen], True, axis=1) if k > 0 else None
    return out.reshape(n, h, w)


def pack_layouts(layouts: np.ndarray) -> np.ndarray:
    """Bit-pack a ``[B, H, W]`` boolean batch to ``uint8 [B, ceil(H*W/8)]`` (8x smaller)."""
    layouts = np.asarray(layouts, dtype=bool)
    return np.packbits(layouts.reshape(len(layouts), -1), axis=1)


def unpack_layouts(packed: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`pack_layouts`."""
    h, w = shape
    return np.unpackbits(np.asarray(packed, np.uint8), axis=1, count=h * w).astype(bool).reshape(-1, h, w)


def layout_key(layout: np.ndarray) -> bytes:
    """A hashable key for one layout (its shape and packed bits), for fitness caches.

    Sides under 256 take one byte each (the keys small grids always had); a larger grid
    (Dogrib: 223x357) takes a 0xFF marker and 4 bytes per side.
    """
    layout = np.asarray(layout, dtype=bool)
    shape = layout.shape
    head = bytes(shape) if max(shape, default=0) < 255 else b"\xff" + np.asarray(shape, "<u4").tobytes()
    return head + np.packbits(layout.ravel()).tobytes()


def burnable_cells(simulator) -> np.ndarray:
    """Where a firebreak may stand on ``simulator``'s landscape: bool ``[H, W]``, True = burnable.

    Why: a break on a non-fuel cell (water, rock, a road) changes no fire, so it wastes budget;
    every producer of layouts draws only from these cells. A simulator without a landscape
    (a test double) allows every cell.
    """
    land = getattr(simulator, "landscape", None)
    shape = tuple(simulator.shape)
    mask = getattr(land, "burnable", None) if land is not None else None
    return np.ones(shape, bool) if mask is None else np.asarray(mask, bool).reshape(shape)


def off_fuel(layouts: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """How many firebreaks of each layout in ``[B, H, W]`` stand outside ``allowed`` (int ``[B]``)."""
    layouts = np.asarray(layouts, bool)
    if allowed is None:
        return np.zeros(len(layouts), int)
    return (layouts & ~np.asarray(allowed, bool)).reshape(len(layouts), -1).sum(axis=1)
