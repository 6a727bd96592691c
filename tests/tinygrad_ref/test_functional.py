"""nn.functional: every op's value and gradient against torch.nn.functional in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinygrad_ref as tg
import tinygrad_ref.nn.functional as F
from tinygrad_ref import nn

rng = np.random.default_rng(0)


def randn(*shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------------------ activations


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_family(compare, axis):
    x = randn(4, 5)
    compare(lambda t: F.softmax(t, axis=axis), lambda t: torch.softmax(t, dim=axis), x)
    compare(lambda t: F.log_softmax(t, axis=axis), lambda t: torch.log_softmax(t, dim=axis), x)
    compare(lambda t: F.logsumexp(t, axis=axis), lambda t: torch.logsumexp(t, dim=axis), x)
    compare(lambda t: F.logsumexp(t, axis=axis, keepdims=True),
            lambda t: torch.logsumexp(t, dim=axis, keepdim=True), x)


def test_relu_and_activation_modules(compare):
    x = randn(3, 4)
    compare(F.relu, torch.relu, x)
    compare(nn.ReLU(), torch.relu, x)
    compare(nn.Tanh(), torch.tanh, x)
    compare(nn.Sigmoid(), torch.sigmoid, x)


def test_large_logits_do_not_overflow(compare):
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -1002.0]])
    for fn, ref in [(F.logsumexp, lambda t: torch.logsumexp(t, dim=-1)),
                    (F.log_softmax, lambda t: torch.log_softmax(t, dim=-1)),
                    (F.softmax, lambda t: torch.softmax(t, dim=-1))]:
        out = compare(fn, ref, x)
        assert np.all(np.isfinite(out.numpy()))
    target = np.array([2, 0, 1])
    out = compare(lambda z, t: F.cross_entropy(z, t), lambda z, t: TF.cross_entropy(z, t), x, target)
    assert np.isfinite(out.item()) and out.item() > 600  # the first row's target has logit -1000


# ----------------------------------------------------------------------------------------------- losses


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy(compare, reduction, label_smoothing):
    z, t = randn(6, 4), rng.integers(0, 4, size=6)
    compare(lambda z, t: F.cross_entropy(z, t, reduction=reduction, label_smoothing=label_smoothing),
            lambda z, t: TF.cross_entropy(z, t, reduction=reduction, label_smoothing=label_smoothing), z, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(compare, reduction):
    z, t = randn(5, 3), np.array([0, 2, 1, 2, 2])
    compare(lambda z, t: F.nll_loss(F.log_softmax(z), t, reduction=reduction),
            lambda z, t: TF.nll_loss(torch.log_softmax(z, dim=-1), t, reduction=reduction), z, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(compare, reduction):
    x, y = randn(4, 3) * 2, randn(4, 3)
    compare(lambda a, b: F.mse_loss(a, b, reduction=reduction),
            lambda a, b: TF.mse_loss(a, b, reduction=reduction), x, y)
    compare(lambda a, b: F.l1_loss(a, b, reduction=reduction),
            lambda a, b: TF.l1_loss(a, b, reduction=reduction), x, y)
    for delta in (1.0, 0.5):
        compare(lambda a, b, d=delta: F.huber_loss(a, b, reduction=reduction, delta=d),
                lambda a, b, d=delta: TF.huber_loss(a, b, reduction=reduction, delta=d), x, y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(compare, reduction):
    p, y = rng.uniform(0.05, 0.95, size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    compare(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
            lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), p, y)
    z = randn(4, 3) * 5
    compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
            lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction), z, y)


def test_binary_cross_entropy_edges():
    # probabilities of exactly 0 and 1: torch clamps the logs at -100, so does ours
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0])
    ours = F.binary_cross_entropy(tg.tensor(p), tg.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(ours, TF.binary_cross_entropy(torch.tensor(p), torch.tensor(y),
                                                             reduction="none").numpy())
    # huge logits: no overflow
    z = np.array([800.0, -800.0, 30.0])
    yz = np.array([0.0, 1.0, 1.0])
    ours = F.binary_cross_entropy_with_logits(tg.tensor(z), tg.tensor(yz), reduction="none").numpy()
    np.testing.assert_allclose(ours, TF.binary_cross_entropy_with_logits(
        torch.tensor(z), torch.tensor(yz), reduction="none").numpy(), rtol=1e-12)


def test_loss_errors_are_clear():
    z = tg.tensor(randn(3, 4))
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(IndexError, match=r"\[0, 3\]"):
        F.cross_entropy(z, np.array([0, 1, 4]))
    with pytest.raises(IndexError):
        F.cross_entropy(z, np.array([0, -1, 2]))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        F.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(z, np.array([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError, match="shape"):
        F.mse_loss(tg.tensor(randn(3, 1)), tg.tensor(randn(3)))
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(tg.tensor(randn(3) + 5), tg.tensor(np.ones(3)))


# ----------------------------------------------------------------------------------------------- layers


@pytest.mark.parametrize("bias", [True, False])
def test_linear(compare, bias):
    x, w, b = randn(5, 3), randn(4, 3), randn(4)
    if bias:
        compare(F.linear, TF.linear, x, w, b)
    else:
        compare(F.linear, TF.linear, x, w)
    compare(F.linear, TF.linear, randn(2, 5, 3), w, b)  # extra batch dimensions


CONV_CASES = [  # (N, C, H, W), (O, kh, kw), stride, padding
    ((2, 1, 5, 5), (3, 3, 3), 1, 0),
    ((2, 3, 7, 6), (4, 3, 2), 2, 1),
    ((1, 2, 6, 6), (5, 1, 1), 1, 0),
    ((3, 4, 8, 8), (2, 3, 3), (2, 1), (1, 2)),
    ((2, 3, 5, 5), (6, 5, 5), 1, 2),
]


@pytest.mark.parametrize("shape,kernel,stride,padding", CONV_CASES)
def test_conv2d(compare, shape, kernel, stride, padding):
    x = randn(*shape)
    w = randn(kernel[0], shape[1], kernel[1], kernel[2])
    b = randn(kernel[0])
    compare(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=padding),
            lambda x, w, b: TF.conv2d(x, w, b, stride=stride, padding=padding), x, w, b)
    compare(lambda x, w: F.conv2d(x, w, stride=stride, padding=padding),
            lambda x, w: TF.conv2d(x, w, stride=stride, padding=padding), x, w)


@pytest.mark.parametrize("kernel,stride,padding",
                         [(2, None, 0), (3, 1, 1), (3, 2, 0), ((2, 3), (1, 2), (1, 0))])
def test_max_pool2d(compare, kernel, stride, padding):
    x = randn(2, 3, 7, 6)
    compare(lambda t: F.max_pool2d(t, kernel, stride, padding),
            lambda t: TF.max_pool2d(t, kernel, stride, padding), x)


@pytest.mark.parametrize("kernel,stride", [(2, 2), (3, 1)])
def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum(compare, kernel, stride):
    x = rng.integers(0, 3, size=(2, 2, 6, 6)).astype(np.float64)  # many exactly equal values
    compare(lambda t: F.max_pool2d(t, kernel, stride), lambda t: TF.max_pool2d(t, kernel, stride), x)


def test_conv_and_pool_errors():
    with pytest.raises(ValueError, match="same C"):
        F.conv2d(tg.tensor(randn(1, 2, 5, 5)), tg.tensor(randn(3, 3, 3, 3)))
    with pytest.raises(ValueError, match="larger"):
        F.conv2d(tg.tensor(randn(1, 2, 2, 2)), tg.tensor(randn(3, 2, 3, 3)))
    with pytest.raises(ValueError, match="N, C, H, W"):
        F.max_pool2d(tg.tensor(randn(2, 5, 5)), 2)


# ---------------------------------------------------------------------------------------------- dropout


def test_dropout_scaling_and_rate():
    tg.manual_seed(0)
    x = tg.tensor(np.ones((200, 500)), requires_grad=True)
    y = F.dropout(x, p=0.3)
    kept = y.numpy() != 0
    assert abs(1 - kept.mean() - 0.3) < 0.005  # fraction dropped ~ p (100,000 draws: sd 0.0015)
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7)  # survivors scaled by 1/(1-p)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7)  # the same mask in the gradient
    assert F.dropout(x, p=0.3, training=False) is x
    assert np.all(F.dropout(x, p=1.0).numpy() == 0)
    tg.manual_seed(0)
    np.testing.assert_array_equal(F.dropout(x, p=0.3).numpy(), y.numpy())  # seeded: reproducible
    with pytest.raises(ValueError):
        F.dropout(x, p=1.5)
