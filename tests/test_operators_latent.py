"""Latent-space operators against a tiny CCVAE trained here (real training, a few seconds)."""

import numpy as np
import pytest
import torch
from latentga.operators import latent

from latentga.layouts import random_layouts
from latentga.models import train_model

pytestmark = pytest.mark.slow  # integration tests: processes, training, whole runs

SHAPE, K = (8, 8), 6
TINY = dict(kind="ccvae", latent_dim=8, char_dim=4, channels=[8, 16], head_hidden=[16], epochs=30,
            batch_size=32, dropout=0.0)


@pytest.fixture(scope="module")
def data():
    layouts = random_layouts(300, SHAPE, K, np.random.default_rng(0))
    # A label the head can learn: the share of firebreaks in the left half of the grid.
    label = layouts[:, :, : SHAPE[1] // 2].sum(axis=(1, 2)) / K
    return layouts, label


@pytest.fixture(scope="module")
def ccvae(data):
    return train_model(*data, TINY, seed=0, progress=False, threads=1).model


@pytest.fixture(scope="module")
def vae(data):
    return train_model(data[0], None, {**TINY, "kind": "vae", "epochs": 2}, seed=0, progress=False, threads=1).model


OPS = [
    (latent.cx_latent_interpolation, {"alpha_low": 0.2, "alpha_high": 0.8}),
    (latent.mut_latent_resample, {"temperature": 1.0}),
    (latent.mut_ccvae_conditional, {"tries": 16}),
    (latent.mut_ccvae_conditional, {"threshold": 0.3, "keep_rest": False}),
    (latent.mut_ccvae_gradient, {"steps": 3, "step_size": 0.2}),
    (latent.mut_ccvae_gradient, {"optimizer": "sgd", "sample": False}),
    (latent.mut_ccvae_gradient, {"temperature": 3.0}),
]


@pytest.mark.parametrize("op,params", OPS)
def test_latent_operators_keep_the_budget_in_batch_and_alone(op, params, ccvae, data):
    parents = [l.copy() for l in data[0][:6]]
    out = op(*parents, budget=K, model=ccvae, rng=np.random.default_rng(1), **params)
    assert len(out) == 6 and all(o is p for o, p in zip(out, parents))
    assert all(o.dtype == bool and o.shape == SHAPE and o.sum() == K for o in out)
    if op is not latent.cx_latent_interpolation:
        single = data[0][0].copy()
        res = op(single, budget=K, model=ccvae, rng=np.random.default_rng(1), **params)
        assert isinstance(res, tuple) and len(res) == 1 and res[0] is single and single.sum() == K


@pytest.mark.parametrize("op,params", OPS)
def test_latent_operators_are_reproducible_from_the_rng(op, params, ccvae, data):
    runs = []
    for _ in range(2):
        parents = [l.copy() for l in data[0][10:14]]
        runs.append(np.stack(op(*parents, budget=K, model=ccvae, rng=np.random.default_rng(9), **params)))
    assert np.array_equal(*runs)


def test_batched_crossover_equals_pairwise_calls(ccvae, data):
    """One forward pass for the generation gives the children pairwise calls would."""
    parents = [l.copy() for l in data[0][20:28]]
    batch = np.stack(latent.cx_latent_interpolation(*[p.copy() for p in parents], alpha_low=0.3,
                                                     alpha_high=0.3, budget=K, model=ccvae,
                                                     rng=np.random.default_rng(0)))
    pairwise = np.concatenate([np.stack(latent.cx_latent_interpolation(
        parents[i].copy(), parents[i + 1].copy(), alpha_low=0.3, alpha_high=0.3, budget=K, model=ccvae,
        rng=np.random.default_rng(0))) for i in range(0, 8, 2)])
    assert np.array_equal(batch, pairwise)


def test_interpolation_at_alpha_one_gives_the_parents_reconstructions(ccvae, data):
    parents = [l.copy() for l in data[0][:4]]
    mu, _ = latent.encode_layouts(ccvae, parents)
    recon = latent.decode_layouts(ccvae, mu, K)
    kids = latent.cx_latent_interpolation(*parents, alpha_low=1.0, alpha_high=1.0, budget=K, model=ccvae,
                                          rng=np.random.default_rng(0))
    assert np.array_equal(np.stack(kids), recon)


def test_odd_number_of_parents_is_refused(ccvae, data):
    with pytest.raises(ValueError, match="pairs"):
        latent.cx_latent_interpolation(*[l.copy() for l in data[0][:3]], budget=K, model=ccvae,
                                       rng=np.random.default_rng(0))


def test_gradient_ascent_raises_predicted_fitness_and_keeps_z_rest(ccvae, data):
    mu, _ = latent.encode_layouts(ccvae, data[0][:32])
    grads = [None if p.grad is None else p.grad.clone() for p in ccvae.parameters()]
    for optimizer in ("adam", "sgd"):
        z = latent.gradient_ascent_latents(ccvae, mu, steps=5, step_size=0.2, optimizer=optimizer)
        before, after = latent.predict_fitness(ccvae, mu), latent.predict_fitness(ccvae, z)
        assert after.mean() > before.mean() + 1e-3
        assert np.mean(after > before) >= 0.9
        assert torch.equal(z[:, :-ccvae.char_dim], mu[:, :-ccvae.char_dim])
    for p, g in zip(ccvae.parameters(), grads):  # the frozen model's gradients are not touched
        assert (p.grad is None and g is None) or torch.equal(p.grad, g)


def test_gradient_mutation_moves_children_towards_what_the_head_likes(ccvae, data):
    """The head learned 'firebreaks on the left'; GD children carry more of them than parents."""
    parents = [l.copy() for l in data[0][:64]]
    left = lambda ls: np.mean([l[:, : SHAPE[1] // 2].sum() for l in ls])  # noqa: E731
    before = left(parents)
    kids = latent.mut_ccvae_gradient(*parents, steps=10, step_size=0.3, sample=False, budget=K, model=ccvae,
                                     rng=np.random.default_rng(0))
    assert left(kids) > before + 1.0


def test_conditional_sampling_returns_only_accepted_codes_or_the_documented_fallback(ccvae):
    thr = 0.5
    z, accepted, pred = latent.sample_conditional_latents(ccvae, 40, thr, np.random.default_rng(3), tries=32)
    assert z.shape == (40, ccvae.latent_dim)
    assert np.allclose(latent.predict_fitness(ccvae, z), pred, atol=1e-5)
    assert accepted.any()
    assert np.all(pred[accepted] > thr)
    # unreachable threshold: nothing accepted, each slot takes its best-predicted candidate
    z, accepted, pred = latent.sample_conditional_latents(ccvae, 5, 1e9, np.random.default_rng(4), tries=16)
    assert not accepted.any()
    cand = latent._normal(np.random.default_rng(4), (5, 16, ccvae.latent_dim), ccvae)
    best = latent.predict_fitness(ccvae, cand.reshape(80, -1)).reshape(5, 16).max(axis=1)
    assert np.allclose(pred, best)


def test_conditional_sampling_keeps_the_given_z_rest(ccvae):
    rest = torch.full((3, ccvae.latent_dim - ccvae.char_dim), 0.5)
    z, _, _ = latent.sample_conditional_latents(ccvae, 3, 0.0, np.random.default_rng(0), tries=4, z_rest=rest)
    assert torch.equal(z[:, :-ccvae.char_dim], rest)


def test_conditional_mutation_raises_predicted_fitness_over_the_parents(ccvae, data):
    parents = [l.copy() for l in data[0][:32]]
    mu, _ = latent.encode_layouts(ccvae, parents)
    before = latent.predict_fitness(ccvae, mu)
    kids = latent.mut_ccvae_conditional(*parents, threshold=None, tries=64, budget=K, model=ccvae,
                                        rng=np.random.default_rng(0))
    after = latent.predict_fitness(ccvae, latent.encode_layouts(ccvae, kids)[0])
    assert after.mean() > before.mean()


def test_ccvae_operators_refuse_a_vae(vae, data):
    assert vae.is_conditional is False
    latent.mut_latent_resample(data[0][0].copy(), budget=K, model=vae, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="CCVAE"):
        latent.mut_ccvae_gradient(data[0][0].copy(), budget=K, model=vae, rng=np.random.default_rng(0))
