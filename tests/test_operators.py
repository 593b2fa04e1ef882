"""Model-free operators, the shared repair, selection and the operator registry."""

import numpy as np
import pytest
from latentga.operators import (
    OPERATORS,
    cx_two_point,
    cx_uniform,
    is_batch_capable,
    mut_flip,
    repair_budget,
    resolve_operator,
    sel_best,
    sel_tournament,
)

from latentga.errors import ConfigError
from latentga.layouts import random_layouts

SHAPE, K = (12, 10), 9


def _pair(seed=0):
    a, b = random_layouts(2, SHAPE, K, np.random.default_rng(seed))
    return a.copy(), b.copy()


@pytest.mark.parametrize("start", [0, 3, 9, 30, 120])
def test_repair_reaches_exactly_k_in_place(start):
    layout = np.zeros(SHAPE, bool)
    layout.flat[np.random.default_rng(1).choice(layout.size, start, replace=False)] = True
    before = layout.copy()
    out = repair_budget(layout, K, np.random.default_rng(2))
    assert out is layout and layout.sum() == K
    # repair only removes existing firebreaks when over budget, only adds when under
    if start > K:
        assert not (layout & ~before).any()
    else:
        assert not (before & ~layout).any()


def test_repair_respects_allowed_cells_and_leaves_feasible_layouts_alone():
    allowed = np.zeros(SHAPE, bool)
    allowed[:, :5] = True
    layout = np.ones(SHAPE, bool)
    repair_budget(layout, K, np.random.default_rng(0), allowed=allowed)
    assert layout.sum() == K and not (layout & ~allowed).any()
    feasible = _pair()[0]
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    assert np.array_equal(repair_budget(feasible.copy(), K, rng), feasible)
    assert rng.bit_generator.state == state  # no draws spent on a feasible layout


def test_repair_rejects_impossible_budget():
    with pytest.raises(ValueError):
        repair_budget(np.zeros((2, 2), bool), 5, np.random.default_rng(0))


def test_mut_flip_keeps_budget_changes_layout_and_is_seeded():
    a, _ = _pair()
    results = []
    for _ in range(2):
        ind = a.copy()
        out = mut_flip(ind, indpb=0.2, budget=K, rng=np.random.default_rng(7))
        assert isinstance(out, tuple) and len(out) == 1 and out[0] is ind
        assert ind.sum() == K
        results.append(ind)
    assert np.array_equal(*results)
    assert not np.array_equal(results[0], a)


@pytest.mark.parametrize("cx", [cx_uniform, cx_two_point])
def test_crossovers_keep_budget_mix_parents_and_never_alias(cx):
    a, b = _pair(3)
    c1, c2 = a.copy(), b.copy()
    out = cx(c1, c2, budget=K, rng=np.random.default_rng(4))
    assert out[0] is c1 and out[1] is c2
    assert c1.sum() == K and c2.sum() == K
    assert not np.shares_memory(c1, c2)
    # children's firebreaks mostly come from the parents (repair adds only a few)
    union = a | b
    assert (c1 & union).sum() >= K - 3 and (c2 & union).sum() >= K - 3
    c1[...] = False
    assert c2.sum() == K  # writing one child never touches the other


def test_sel_tournament_is_seeded_and_full_tournament_picks_the_best():
    from latentga.ga.individual import make_individual

    pop = [make_individual(l, f) for l, f in zip(random_layouts(8, SHAPE, K, np.random.default_rng(0)),
                                                 np.linspace(0.1, 0.8, 8))]
    one = sel_tournament(pop, 20, tournsize=3, rng=np.random.default_rng(1))
    two = sel_tournament(pop, 20, tournsize=3, rng=np.random.default_rng(1))
    assert [id(x) for x in one] == [id(x) for x in two] and len(one) == 20
    # 8 draws with replacement from 8 rarely hit the best, so use a huge tournament
    picks = sel_tournament(pop, 5, tournsize=200, rng=np.random.default_rng(2))
    assert all(p is pop[-1] for p in picks)
    assert sel_best(pop, 2) == [pop[-1], pop[-2]]


def test_registry_resolves_every_name_in_its_role():
    for name, (role, _) in OPERATORS.items():
        assert callable(resolve_operator(name, role=role))
    assert is_batch_capable(resolve_operator("mut_ccvae_gradient"))
    assert not is_batch_capable(resolve_operator("mut_flip"))


def test_registry_errors_name_the_key_and_the_fix():
    with pytest.raises(ConfigError, match=r"operators.mutate.name.*mut_flp.*mut_flip.*package.module:function"):
        resolve_operator("mut_flp", role="mutate", key="operators.mutate.name")
    with pytest.raises(ConfigError, match="is a mate operator"):
        resolve_operator("cx_uniform", role="mutate")
    with pytest.raises(ConfigError, match="cannot import module"):
        resolve_operator("no_such_pkg.mod:fn", role="mutate")
    with pytest.raises(ConfigError, match="has no operator .nope."):
        resolve_operator("operators.vanilla:nope", role="mutate")


def test_registry_accepts_a_dotted_plugin():
    assert resolve_operator("operators.vanilla:mut_flip", role="mutate") is mut_flip
