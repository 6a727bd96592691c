"""Every op, forward and gradient, against PyTorch in float64."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tinygrad_ref as tg

from .conftest import compare_with_torch

rng = np.random.default_rng(0)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def randn(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


# ---------------------------------------------------------------- elementwise binary ops, broadcasting

BINARY = {
    "add": (lambda a, b: a + b, randn),
    "sub": (lambda a, b: a - b, randn),
    "mul": (lambda a, b: a * b, randn),
    "div": (lambda a, b: a / b, positive),
    "pow": (lambda a, b: a**b, positive),
    "maximum": (None, randn),
}


@pytest.mark.parametrize("name", BINARY)
@FAST
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
def test_binary_broadcasting(name, shapes, device):
    op, make = BINARY[name]
    a, b = make(*shapes.input_shapes[0]), make(*shapes.input_shapes[1])
    if name == "maximum":
        compare_with_torch(tg.maximum, torch.maximum, a, b, device=device)
    else:
        compare_with_torch(op, op, a, b, device=device)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_with_python_scalars_both_sides(name, compare):
    op, make = BINARY[name]
    x = positive(3, 2)
    compare(lambda t: op(t, 1.5), lambda t: op(t, 1.5), x)
    compare(lambda t: op(2.5, t), lambda t: op(2.5, t), x)


def test_maximum_ties_split_gradient_like_torch(compare):
    a = np.array([1.0, 2.0, 3.0, 2.0])
    b = np.array([1.0, 3.0, 1.0, 2.0])
    compare(tg.maximum, torch.maximum, a, b)


def test_scalars_keep_float32():
    x = tg.randn(3)
    for y in (x * 2.0, 2.0 * x, x + 1, x / 3, x**2, x - 1.5, tg.maximum(x, 0.0), tg.where(x > 0, x, 0.0)):
        assert y.dtype == np.float32
    assert (tg.arange(3) * 2).dtype == np.int64
    assert (tg.arange(3) * 0.5).dtype == np.float32
    assert (tg.arange(4) / 2).dtype == np.float32
    assert (x.double() * 2.0).dtype == np.float64


# ---------------------------------------------------------------- elementwise unary ops

UNARY = [
    ("neg", lambda t: -t, randn),
    ("exp", lambda t: t.exp(), randn),
    ("log", lambda t: t.log(), positive),
    ("sqrt", lambda t: t.sqrt(), positive),
    ("tanh", lambda t: t.tanh(), randn),
    ("sigmoid", lambda t: t.sigmoid(), randn),
    ("relu", lambda t: t.relu(), randn),
    ("abs", lambda t: t.abs(), randn),
    ("clip", lambda t: t.clip(-0.5, 0.7), randn),
    ("clip_min_only", lambda t: t.clip(min=0.1), randn),
    ("float_cast", lambda t: t.float().double() * 1.0, randn),
]


@pytest.mark.parametrize("name,fn,make", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, fn, make, compare):
    atol = 1e-6 if name == "float_cast" else 1e-10
    torch_fn = {"clip": lambda t: t.clamp(-0.5, 0.7),
                "clip_min_only": lambda t: t.clamp(min=0.1)}.get(name, fn)
    compare(fn, torch_fn, make(2, 3, 4), atol=atol)


def test_unary_kinks_match_torch(compare):
    x = np.array([-1.0, 0.0, 0.0, 2.0, -0.5, 0.7])
    compare(lambda t: t.relu(), torch.relu, x)
    compare(lambda t: t.abs(), torch.abs, x)
    compare(lambda t: t.clip(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7), x)


def test_sigmoid_is_stable_for_large_inputs(compare):
    compare(lambda t: t.sigmoid(), torch.sigmoid, np.array([-800.0, -40.0, 0.0, 40.0, 800.0]))


# ---------------------------------------------------------------- reductions

AXES = [None, 0, 1, 2, -1, (0, 2), (1, -1)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions(name, axis, keepdims, compare):
    dim = tuple(range(3)) if axis is None else axis
    reference = {
        "sum": lambda t: t.sum(dim=dim, keepdim=keepdims),
        "mean": lambda t: t.mean(dim=dim, keepdim=keepdims),
        "max": lambda t: torch.amax(t, dim=dim, keepdim=keepdims),
        "min": lambda t: torch.amin(t, dim=dim, keepdim=keepdims),
    }[name]
    x = rng.integers(-2, 3, (2, 3, 4)).astype(np.float64)  # small integers: max/min have ties
    compare(lambda t: getattr(t, name)(dim=axis, keepdim=keepdims), reference, x)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "argmax"])
def test_reductions_accept_numpy_names_as_aliases(name):
    x = tg.tensor(rng.standard_normal((2, 3, 4)))
    reduce = getattr(x, name)
    np.testing.assert_array_equal(reduce(axis=1, keepdims=True).numpy(), reduce(dim=1, keepdim=True).numpy())
    np.testing.assert_array_equal(reduce(1).numpy(), reduce(axis=1).numpy())
    if name != "argmax":  # (argmax takes one dim, like NumPy's)
        assert reduce([0, 2]).shape == (3,)  # a list of dims means a tuple, as in torch
    with pytest.raises(TypeError, match="both dim=1 and axis=1"):
        reduce(1, axis=1)
    with pytest.raises(TypeError, match="both keepdim=True and keepdims=True"):
        reduce(1, keepdim=True, keepdims=True)
    with pytest.raises(TypeError, match="both dim=0 and axis=0"):
        tg.stack([x, x], dim=0, axis=0)


def test_functional_reductions_take_dim_and_the_axis_alias():
    import tinygrad_ref.nn.functional as F

    x = tg.tensor(rng.standard_normal((3, 4)))
    for fn in (F.softmax, F.log_softmax, F.logsumexp):
        np.testing.assert_array_equal(fn(x, dim=0).numpy(), fn(x, axis=0).numpy())
        with pytest.raises(TypeError, match=f"{fn.__name__}\\(\\) got both dim=0 and axis=0"):
            fn(x, dim=0, axis=0)
    np.testing.assert_array_equal(F.softmax(x).numpy(), F.softmax(x, dim=-1).numpy())  # default: last axis


def test_max_min_of_all_elements_with_ties(compare):
    x = np.array([[1.0, 3.0], [3.0, -2.0]])
    compare(lambda t: t.max(), torch.amax, x)
    compare(lambda t: t.min(), torch.amin, np.array([[1.0, -2.0], [-2.0, -2.0]]))


def test_argmax():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    np.testing.assert_array_equal(tg.tensor(x).argmax(axis=1).numpy(), torch.tensor(x).argmax(dim=1).numpy())
    assert tg.tensor(x, requires_grad=True).argmax().requires_grad is False


# ---------------------------------------------------------------- matmul

MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul(sa, sb, compare):
    compare(lambda a, b: a @ b, torch.matmul, randn(*sa), randn(*sb))


def test_matmul_gradient_only_for_inputs_that_need_it():
    a, w = tg.randn(3, 4), tg.randn(4, 2, requires_grad=True)
    (a @ w).sum().backward()
    assert a.grad is None and w.grad.shape == (4, 2)


# ---------------------------------------------------------------- shapes

SHAPE_OPS = [
    ("reshape", lambda t: t.reshape(4, 6), lambda t: t.reshape(4, 6)),
    ("reshape_tuple_-1", lambda t: t.reshape((-1, 3)), lambda t: t.reshape(-1, 3)),
    ("transpose", lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    ("permute", lambda t: t.permute(1, 2, 0), lambda t: t.permute(1, 2, 0)),
    ("T", lambda t: t.T, lambda t: t.permute(2, 1, 0)),
    ("flatten", lambda t: t.flatten(1), lambda t: t.flatten(1)),
    ("unsqueeze", lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1)),
    ("squeeze", lambda t: t.reshape(2, 1, 12).squeeze(1), lambda t: t.reshape(2, 1, 12).squeeze(1)),
]


@pytest.mark.parametrize("name,fn,torch_fn", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(name, fn, torch_fn, compare):
    compare(fn, torch_fn, randn(2, 3, 4))


# ---------------------------------------------------------------- indexing

INDICES = [
    ("int", lambda: 1),
    ("negative_int", lambda: -1),
    ("slice_step", lambda: (slice(None), slice(0, 4, 2))),
    ("slices_start_stop_step", lambda: (slice(1, None), slice(1, 5, 3))),
    ("ellipsis_none", lambda: (Ellipsis, None, 1)),
    ("int_array", lambda: np.array([2, 0])),
    ("repeated_int_array", lambda: np.array([1, 1, 0, 1])),
    ("two_int_arrays_repeated", lambda: (np.array([0, 2, 0]), np.array([1, 1, 1]))),
    ("mixed_slice_and_array", lambda: (slice(None), np.array([3, 3, 0]))),
    ("mask", lambda: rng.random((3, 5)) > 0.5),
    ("row_mask", lambda: np.array([True, False, True])),
]


@pytest.mark.parametrize("name,make_index", INDICES, ids=[i[0] for i in INDICES])
def test_getitem(name, make_index, compare):
    index = make_index()
    torch_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index) \
        if isinstance(index, tuple) else (torch.tensor(index) if isinstance(index, np.ndarray) else index)
    compare(lambda t: t[index], lambda t: t[torch_index], randn(3, 5))


def test_getitem_with_tensor_indices(compare):
    idx = np.array([0, 2, 2])
    compare(lambda t: t[tg.tensor(idx)], lambda t: t[torch.tensor(idx)], randn(3, 2))
    compare(lambda t: t[t > 0], lambda t: t[t > 0], randn(4, 3))
    compare(lambda t: t[tg.tensor(idx), 1], lambda t: t[torch.tensor(idx), 1], randn(3, 2))


# ---------------------------------------------------------------- comparisons, where, stack, cat


@pytest.mark.parametrize("op", ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"])
def test_comparisons(op, device):
    a = rng.integers(0, 3, (3, 4)).astype(np.float64)
    b = rng.integers(0, 3, (4,)).astype(np.float64)
    x = tg.tensor(a, requires_grad=True, device=device)
    for other, torch_other in ((tg.tensor(b, device=device), torch.tensor(b)), (1.0, 1.0)):
        out = getattr(x, op)(other)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), getattr(torch.tensor(a), op)(torch_other).numpy())


def test_where(compare):
    cond = rng.random((3, 4)) > 0.5
    compare(lambda c, a, b: tg.where(c, a, b), torch.where, cond, randn(3, 4), randn(4))
    compare(lambda a: tg.where(a > 0, a, 0.0), lambda a: torch.where(a > 0, a, 0.0), randn(3, 4))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_stack_and_cat(axis, compare):
    a, b, c = randn(2, 3), randn(2, 3), randn(2, 3)
    compare(lambda *t: tg.stack(t, dim=axis), lambda *t: torch.stack(t, dim=axis), a, b, c)
    compare(lambda *t: tg.cat(t, axis=axis), lambda *t: torch.cat(t, dim=axis), a, randn(2, 3), c)


def test_cat_different_sizes(compare):
    arrays = randn(2, 1), randn(2, 4), randn(2, 2)
    compare(lambda *t: tg.cat(t, axis=1), lambda *t: torch.cat(t, dim=1), *arrays)


def test_same_tensor_used_twice_accumulates(compare):
    compare(lambda a: a * a + a.exp() * a, lambda a: a * a + a.exp() * a, randn(3))
    compare(lambda a, b: tg.stack([a, b, a]) @ b, lambda a, b: torch.stack([a, b, a]) @ b, randn(4), randn(4))


@FAST
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_composite_with_broadcast_and_reduction(shape, data, device):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x, y = randn(*shape), randn(shape[-1])

    def f(a, b):
        z = (a * b + 1.0).tanh()
        return (z - z.mean(axis=axis, keepdims=True)) ** 2 / (a.abs() + 1.0)

    def g(a, b):
        z = (a * b + 1.0).tanh()
        return (z - z.mean(dim=axis, keepdim=True)) ** 2 / (a.abs() + 1.0)

    compare_with_torch(f, g, x, y, device=device)
