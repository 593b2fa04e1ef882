"""How much of a latent part is about fitness: 2-D maps and a cross-validated linear probe.

The 2-D map uses UMAP when the optional ``umap-learn`` package is installed (``pip install
latentga[umap]``) and PCA otherwise; the caller gets the method's name back so figures and
CSVs say which one drew them. The probe is ridge regression from the part to fitness, scored
by out-of-fold R^2 (k-fold cross-validation), so a part with many dimensions cannot look
informative just by fitting noise.
"""

from __future__ import annotations

import numpy as np

from latentga.errors import ConfigError

__all__ = ["REDUCTIONS", "pca_2d", "umap_available", "reduce_2d", "linear_probe_r2", "r2_score"]

#: Accepted values of the ``reduction`` option.
REDUCTIONS = ("auto", "umap", "pca")


def pca_2d(x: np.ndarray) -> np.ndarray:
    """Coordinates of ``x [N, D]`` on its first two principal axes (zeros pad D < 2)."""
    x = np.asarray(x, np.float64)
    centred = x - x.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(x), 2 - coords.shape[1]))])
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), [0, 1]])  # fixed orientation
    return coords * np.where(signs == 0, 1.0, signs)


def umap_available() -> bool:
    """Whether ``umap-learn`` is importable (a stray ``umap`` folder without it does not count)."""
    try:
        import umap
    except ImportError:
        return False
    return hasattr(umap, "UMAP")


def reduce_2d(x: np.ndarray, seed: int, method: str = "auto") -> tuple[np.ndarray, str]:
    """``(coords [N, 2], method used)``: UMAP (seeded) if asked/available, else PCA."""
    if method not in REDUCTIONS:
        raise ConfigError(f"reduction {method!r} is unknown; use one of {', '.join(REDUCTIONS)}")
    if method == "umap" and not umap_available():
        raise ConfigError("reduction 'umap' needs the optional umap-learn package; install it with "
                          "`pip install latentga[umap]` (or umap-learn), or use --reduction pca")
    x = np.asarray(x, np.float64)
    if method != "pca" and umap_available() and len(x) > 10 and x.shape[1] > 2:
        import warnings

        import umap

        reducer = umap.UMAP(n_components=2, n_neighbors=min(15, len(x) - 1), random_state=int(seed), n_jobs=1)
        with warnings.catch_warnings():  # "n_jobs overridden by setting random_state": we want the seed
            warnings.filterwarnings("ignore", message=".*n_jobs value.*", category=UserWarning)
            return np.asarray(reducer.fit_transform(x), np.float64), "umap"
    return pca_2d(x), "pca"


def r2_score(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot (can be negative for a bad predictor)."""
    y, pred = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    ss_tot = float(((y - y.mean()) ** 2).sum())
    if ss_tot == 0.0:
        return float("nan")
    return 1.0 - float(((y - pred) ** 2).sum()) / ss_tot


def linear_probe_r2(x: np.ndarray, y: np.ndarray, seed: int, folds: int = 5, ridge: float = 1.0) -> float:
    """Out-of-fold R^2 of a ridge regression of ``y`` on ``x`` (features standardised per fold).

    Args:
        x: features ``[N, D]``; y: targets ``[N]``.
        seed: shuffles the rows before cutting the folds.
        folds: number of folds (at most N).
        ridge: L2 penalty on the standardised coefficients (keeps D close to N stable).
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"x must be [N, D] with N = len(y) = {len(y)}, got {list(x.shape)}")
    folds = int(min(folds, len(y)))
    if folds < 2:
        raise ValueError("a cross-validated probe needs at least 2 samples")
    order = np.random.default_rng(seed).permutation(len(y))
    pred = np.empty_like(y)
    for test in np.array_split(order, folds):
        train = np.setdiff1d(order, test, assume_unique=True)
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        std[std == 0] = 1.0
        xt = (x[train] - mean) / std
        y_mean = y[train].mean()
        gram = xt.T @ xt + ridge * np.eye(x.shape[1])
        coef = np.linalg.solve(gram, xt.T @ (y[train] - y_mean))
        pred[test] = ((x[test] - mean) / std) @ coef + y_mean
    return r2_score(y, pred)
