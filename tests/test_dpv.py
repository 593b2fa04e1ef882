"""DPV baseline: subtree sizes of spread trees, the value map on real fires, the chosen layouts."""

import numpy as np
import pytest

from latentga.baselines.dpv import downstream_protection_value, dpv_layout, subtree_sizes
from latentga.errors import LayoutError
from latentga.simulator import FireSimulator


@pytest.fixture(scope="module")
def sim():
    return FireSimulator(n_fires=12, seed=123)


def test_subtree_sizes_of_hand_built_trees():
    # fire 0: 0 -> 1 -> {2, 3}, 0 -> 5, cell 4 unburned; fire 1: 4 -> 3 -> 2 -> 1 -> 0 (a chain)
    parents = np.array([[-1, 0, 1, 1, -2, 0],
                        [1, 2, 3, 4, -1, -2]])
    sizes = subtree_sizes(parents)
    assert sizes.tolist() == [[5, 3, 1, 1, 0, 1], [1, 2, 3, 4, 5, 0]]
    # leading dimensions are kept
    assert subtree_sizes(parents[None]).shape == (1, 2, 6)


def test_subtree_sizes_rejects_what_is_not_a_tree():
    with pytest.raises(ValueError, match="cycle"):
        subtree_sizes(np.array([[1, 0, -1]]))
    with pytest.raises(ValueError, match="did not burn"):
        subtree_sizes(np.array([[-1, 2, -2]]))
    with pytest.raises(ValueError, match="cell indices"):
        subtree_sizes(np.array([[-1, 7]]))


def _reference_sizes(parents):
    """Plain-Python subtree sizes: every burned cell adds 1 to itself and to each ancestor."""
    par = np.asarray(parents).reshape(-1, parents.shape[-1]).tolist()
    n = parents.shape[-1]
    out = []
    for row in par:
        size = [0] * n
        for c, p in enumerate(row):
            if p == -2:
                continue
            node, steps = c, 0
            while node != -1:
                size[node] += 1
                node, steps = row[node], steps + 1
                assert steps <= n, "cycle"
        out.append(size)
    return np.array(out, np.int64).reshape(parents.shape)


def _random_forest(rng, n, n_trees, unburned, roots, chain):
    """Spread-tree-like parents [n_trees, n]: each burned cell's parent burned before it."""
    par = np.full((n_trees, n), -2, np.int64)
    for t in range(n_trees):
        order = rng.permutation(n)[: n - int(unburned * n)]
        for i, c in enumerate(order):
            if i == 0 or rng.random() < roots:
                par[t, c] = -1
            else:
                par[t, c] = order[i - 1] if chain else order[rng.integers(max(0, i - 3) if chain else 0, i)]
    return par


@pytest.mark.parametrize("seed", range(6))
def test_subtree_sizes_match_a_plain_reference(seed):
    rng = np.random.default_rng(seed)
    for n, n_trees, unburned, roots, chain in [(1, 2, 0.0, 0.0, False), (30, 4, 0.3, 0.1, False),
                                               (200, 3, 0.0, 0.0, True), (150, 5, 0.5, 0.2, True),
                                               (400, 2, 0.9, 0.0, False), (25, 3, 1.0, 0.0, False)]:
        par = _random_forest(rng, n, n_trees, unburned, roots, chain)
        want = _reference_sizes(par)
        for dtype in (np.int64, np.int32):
            got = subtree_sizes(par.astype(dtype))
            assert got.dtype == np.int64 and np.array_equal(got, want)
        assert np.array_equal(subtree_sizes(par[0]), want[0])  # one tree, 1-D
        assert np.array_equal(subtree_sizes(par.reshape(1, n_trees, n)), want[None])


def test_subtree_sizes_errors_are_checked_over_all_trees_in_order():
    ok = np.array([-1, 0, 1, -2])
    cycle, unburned, bad = np.array([1, 2, 0, -2]), np.array([-1, 3, 1, -2]), np.array([-1, 0, 9, -2])
    with pytest.raises(ValueError, match="cycle"):
        subtree_sizes(np.array([ok, ok, cycle]))
    with pytest.raises(ValueError, match="cycle"):  # a self loop
        subtree_sizes(np.array([[-1, 1]]))
    with pytest.raises(ValueError, match="cycle"):  # a cycle beside a proper tree
        subtree_sizes(np.array([[-1, 0, 3, 2]]))
    with pytest.raises(ValueError, match="did not burn"):  # before a cycle in an earlier tree
        subtree_sizes(np.array([cycle, unburned]))
    with pytest.raises(ValueError, match=r"cell indices in \[0, 4\) or -1/-2, got \[-2, 9\]"):
        subtree_sizes(np.array([cycle, unburned, bad]))
    with pytest.raises(ValueError, match=r"got \[-3, 1\]"):
        subtree_sizes(np.array([[-1, 0, -3, 1]], np.int32))
    assert subtree_sizes(np.zeros((0, 5), np.int64)).shape == (0, 5)


def test_ignition_cell_value_is_the_whole_fire(sim):
    """On real spread trees the root's subtree is every burned cell of that fire."""
    res = sim.simulate(np.zeros((1, *sim.shape), bool), record_parents=True)
    sizes = subtree_sizes(res.parents[0])
    burned = res.burned[0].reshape(sim.n_fires, -1)
    for fire in range(sim.n_fires):
        ign = res.ignition[0, fire]
        if ign >= 0:
            assert sizes[fire, ign] == burned[fire].sum()
        assert np.array_equal(sizes[fire] > 0, burned[fire])
    value = downstream_protection_value(sim)
    assert value.shape == sim.shape
    assert np.array_equal(value.reshape(-1), sizes.mean(axis=0))


def test_dpv_layout_takes_the_top_k_cells(sim):
    k = 15
    res = dpv_layout(sim, k)
    assert res.layout.shape == sim.shape and int(res.layout.sum()) == k
    assert res.calls == 2
    assert res.fitness == pytest.approx(float(sim.evaluate(res.layout[None])[0]))
    value = downstream_protection_value(sim)
    assert value[res.layout].min() >= value[~res.layout].max()


def test_greedy_dpv_recomputes_after_each_pick(sim):
    k = 6
    plain, greedy = dpv_layout(sim, k), dpv_layout(sim, k, greedy=True)
    assert int(greedy.layout.sum()) == k and greedy.calls == k + 1
    value = downstream_protection_value(sim).reshape(-1)
    first = int(np.argmax(value))
    assert greedy.layout.reshape(-1)[first] and plain.layout.reshape(-1)[first]
    assert greedy.fitness == pytest.approx(float(sim.evaluate(greedy.layout[None])[0]))
    # the picks protect at least as much as no firebreak at all
    assert greedy.fitness >= float(sim.evaluate(np.zeros((1, *sim.shape), bool))[0])


@pytest.mark.parametrize("k", [0, 401, 2.5])
def test_bad_budget_is_a_layout_error(sim, k):
    with pytest.raises(LayoutError, match="budget"):
        dpv_layout(sim, k)
