"""LayerNorm, BatchNorm2d, Embedding, GELU and the cross-entropy target forms against torch in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_ref as tg
import tinygrad_ref.nn.functional as F
from tinygrad_ref import nn

from .conftest import compare_modules, compare_with_torch

rng = np.random.default_rng(2)


def randn(*shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------------------ activations
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(compare, approximate):
    x = randn(4, 5) * 3
    compare(lambda t: F.gelu(t, approximate=approximate), lambda t: TF.gelu(t, approximate=approximate), x)
    compare(nn.GELU(approximate), torch.nn.GELU(approximate), x)
    assert tg.gradcheck(lambda t: F.gelu(t, approximate=approximate), (tg.tensor(x, requires_grad=True),))
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(tg.tensor(x), approximate="fast")


# -------------------------------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("normalized_shape", [6, (4, 6)])
def test_layer_norm(device, normalized_shape):
    x = randn(3, 4, 6) * 2 + 1
    theirs = torch.nn.LayerNorm(normalized_shape).double()
    with torch.no_grad():  # not the default ones/zeros, so that the affine part is tested
        theirs.weight.normal_(), theirs.bias.normal_()
    compare_modules(nn.LayerNorm(normalized_shape, dtype=np.float64), theirs, x, device=device)
    compare_with_torch(lambda t: F.layer_norm(t, normalized_shape, eps=1e-3),
                       lambda t: TF.layer_norm(t, (normalized_shape,) if isinstance(normalized_shape, int)
                                               else normalized_shape, eps=1e-3), x, device=device)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), k=st.integers(1, 2))
def test_layer_norm_any_shape(shape, k):
    k = min(k, len(shape))
    x = randn(*shape)
    compare_with_torch(lambda t: F.layer_norm(t, shape[-k:]), lambda t: TF.layer_norm(t, shape[-k:]), x,
                       atol=1e-8)


def test_normalize_gradcheck_and_errors():
    x = tg.tensor(randn(3, 5), requires_grad=True)
    assert tg.gradcheck(lambda t: F.layer_norm(t, 5), (x,))
    assert tg.gradcheck(lambda t: F.batch_norm(t, None, None, training=True), (x,))
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(x, 4)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(tg.tensor(randn(2, 3, 4)))


# ------------------------------------------------------------------------------------------ BatchNorm2d
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_2d_train_then_eval(device, momentum):
    theirs = torch.nn.BatchNorm2d(3, momentum=momentum).double()
    ours = nn.BatchNorm2d(3, momentum=momentum, dtype=np.float64)
    with torch.no_grad():
        theirs.weight.normal_(), theirs.bias.normal_()
    for _ in range(2):  # two training steps: the running statistics move twice
        x = randn(4, 3, 5, 5) * 2 + 3
        compare_modules(ours, theirs, x, device=device)
    theirs_stats = theirs.state_dict()
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value.numpy(), theirs_stats[name].numpy(), rtol=1e-12, err_msg=name)
    ours.eval(), theirs.eval()
    compare_modules(ours, theirs, randn(2, 3, 5, 5), device=device)


def test_batch_norm_2d_without_running_stats(compare):
    x = randn(4, 3, 2, 2)
    ours = nn.BatchNorm2d(3, affine=False, track_running_stats=False, dtype=np.float64).eval()
    theirs = torch.nn.BatchNorm2d(3, affine=False, track_running_stats=False).double().eval()
    compare(ours, theirs, x)  # no running statistics: batch statistics even in eval mode


# -------------------------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding(device, padding_idx):
    theirs = torch.nn.Embedding(7, 4, padding_idx=padding_idx).double()
    ours = nn.Embedding(7, 4, padding_idx=padding_idx, dtype=np.float64)
    ids = np.array([[0, 3, 3, 6], [1, 0, 6, 2]])  # repeated ids collect every gradient
    compare_modules(ours, theirs, ids, device=device)
    if padding_idx is not None:
        assert not np.any(ours.weight.grad.numpy()[padding_idx])
        assert not np.any(nn.Embedding(7, 4, padding_idx=padding_idx).weight.numpy()[padding_idx])


def test_embedding_init_and_errors():
    tg.manual_seed(0)
    w = nn.Embedding(1000, 50).weight.numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01  # N(0, 1), as torch
    with pytest.raises(IndexError, match=r"\[0, 999\]"):
        F.embedding(np.array([1000]), tg.tensor(w))
    with pytest.raises(TypeError, match="integer"):
        F.embedding(np.array([1.0]), tg.tensor(w))
    w = tg.tensor(randn(5, 3), requires_grad=True)
    assert tg.gradcheck(lambda w: F.embedding(np.array([[1, 1], [4, 0]]), w), (w,))


# -------------------------------------------------------------------------------------------- cross-entropy
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_ignore_index(compare, reduction, label_smoothing):
    z, t = randn(6, 4), np.array([1, -100, 3, 0, -100, 3])
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    compare(lambda z, t: F.cross_entropy(z, t, **kw), lambda z, t: TF.cross_entropy(z, t, **kw), z, t)
    t2 = np.array([1, 2, 3, 0, 2, 3])
    compare(lambda z, t: F.cross_entropy(z, t, ignore_index=2, **kw),
            lambda z, t: TF.cross_entropy(z, t, ignore_index=2, **kw), z, t2)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_probability_targets(compare, reduction, label_smoothing):
    z, q = randn(5, 4), rng.dirichlet(np.ones(4), size=5)
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    compare(lambda z, q: F.cross_entropy(z, q, **kw), lambda z, q: TF.cross_entropy(z, q, **kw), z, q)
    onehot = np.eye(4)[[0, 3, 1, 1, 2]]  # one-hot probabilities give the same loss as the indices
    np.testing.assert_allclose(F.cross_entropy(tg.tensor(z), onehot, **kw).numpy(),
                               F.cross_entropy(tg.tensor(z), np.array([0, 3, 1, 1, 2]), **kw).numpy(),
                               rtol=1e-12)


def test_cross_entropy_gradcheck_and_errors():
    z = tg.tensor(randn(4, 3), requires_grad=True)
    q = tg.tensor(rng.dirichlet(np.ones(3), size=4), requires_grad=True)
    assert tg.gradcheck(lambda z, q: F.cross_entropy(z, q, label_smoothing=0.1), (z, q))
    assert tg.gradcheck(lambda z: F.cross_entropy(z, np.array([0, -100, 2, 1])), (z,))
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        F.cross_entropy(z, np.ones((4, 2)) / 2)
    with pytest.raises(IndexError, match="ignore_index=-100"):
        F.cross_entropy(z, np.array([0, -1, 2, 1]))
