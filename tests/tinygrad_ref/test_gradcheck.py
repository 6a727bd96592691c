"""gradcheck on composite functions, and its failure report."""

import numpy as np
import pytest

import tinygrad_ref as tg
from tinygrad_ref.autograd import Function

rng = np.random.default_rng(0)


def t(*shape, positive=False):
    a = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return tg.tensor(a, requires_grad=True)


COMPOSITES = [
    ("mlp", lambda x, w, b: (x @ w + b).tanh().sigmoid(), (t(3, 4), t(4, 2), t(2))),
    ("softmax", lambda x: (x - x.max(axis=1, keepdims=True)).exp()
     / (x - x.max(axis=1, keepdims=True)).exp().sum(axis=1, keepdims=True), (t(3, 4),)),
    ("norm", lambda x: (x * x).sum(axis=-1).sqrt() / x.abs().mean(), (t(2, 3),)),
    ("pow_log", lambda x, y: (x**y).log() + tg.maximum(x, y) ** 2,
     (t(3, positive=True), t(3, positive=True))),
    ("index_stack", lambda x: tg.stack([x[[0, 0, 2], 1], x[1:].sum(axis=0)]).clip(-0.5, 0.5), (t(3, 3),)),
    ("where_cat_batched",
     lambda x, w: tg.cat([tg.where(x > 0, x, x * 0.1) @ w, x.permute(0, 2, 1) @ x], axis=2),
     (t(2, 3, 3), t(3, 2))),
]


@pytest.mark.parametrize("name,fn,inputs", COMPOSITES, ids=[c[0] for c in COMPOSITES])
def test_gradcheck_passes(name, fn, inputs):
    assert tg.gradcheck(fn, inputs)


def test_gradcheck_works_from_float32_inputs_and_skips_non_grad_inputs():
    x = tg.randn(3, 2, requires_grad=True)
    idx = tg.tensor([0, 2])
    assert tg.gradcheck(lambda a, i: a[i].exp(), [x, idx])
    assert x.dtype == np.float32  # the caller's tensors are not changed


class WrongSquare(Function):
    r"""$z = x^2$ with a deliberately wrong backward ($\bar x = 3 \bar z x$ instead of $2 \bar z x$)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * grad * x


def test_gradcheck_reports_input_element_and_values():
    a = tg.tensor([[0.1, 0.2], [0.3, 4.0]], requires_grad=True)
    b = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda b, a: b * 2 + WrongSquare.apply(a), [b, a])
    message = str(info.value)
    assert "input 1" in message and "(1, 1)" in message  # the largest |x| has the largest error
    assert "analytic" in message and "numeric" in message and "4 of 4 elements" in message


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(tg.GradcheckError, AssertionError)
